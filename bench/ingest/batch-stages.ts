/**
 * Where the api's CPU per batch record goes, stage by stage, in-process (no HTTP, no MySQL): for
 * batches of 10,000 records shaped like bench:ingest's, the CPU µs per record of
 *   parse   JSON.parse of the body, the batch schema, each record's schema (as the REST controller);
 *   decide  decideCreateRecordsBatch (ids from a Snowflake generator);
 *   plan    planStreamWrite per record (event metadata, the `records` row change);
 *   seal    sealEventData per event (data keys already at hand, as with a warm key cache);
 *   rows    the three rows' values (event data and metadata as JSON) and their multi-row INSERT text,
 *           encoded as UTF-8 as the driver sends it;
 *   answer  the 207/201 answer's JSON.
 * Medians over interleaved rounds. What bench:ingest's api spends beyond their sum is the HTTP
 * layer, the driver, the key lookups and the garbage these stages leave to the collector.
 *   scripts/with-node tsx bench/ingest/batch-stages.ts [rounds]
 */
import { randomBytes } from 'node:crypto';
import { validate } from '@shardline/errors';
import { APPEND_EVENT_COLUMNS, OUTBOX_COLUMNS, insertStatements, packetsOf, packetText } from '@shardline/event-store/mysql';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { sealEventData } from '@shardline/integration-events';
import { batchRecordPath, batchSchema, CreateRecordsBatch, decideCreateRecordsBatch, newRecordOf, newRecordSchema, planStreamWrite, RecordStateChange } from '@shardline/records';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import type { StreamWrite } from '@shardline/event-store';
import { makeRecord } from './workload';

const RECORDS = 10_000;
const context = { commandId: 'c0ffee00-0000-4000-8000-000000000000', clientSupplied: false, correlationId: 'c0ffee00-0000-4000-8000-000000000000', causationId: null, actor: null };
const ids = new SnowflakeIdGenerator(7);
const keys = new Map<string, Buffer>();
const keyOf = (userId: string) => keys.get(userId) ?? keys.set(userId, randomBytes(32)).get(userId)!;
const projection = new RecordsInlineProjection();

type Stage = 'parse' | 'decide' | 'plan' | 'seal' | 'rows' | 'answer';
const STAGES: Stage[] = ['parse', 'decide', 'plan', 'seal', 'rows', 'answer'];

function oneBatch(body: string, spent: Record<Stage, number>): number {
  let mark = process.cpuUsage();
  const lap = (stage: Stage) => {
    const used = process.cpuUsage(mark);
    spent[stage] += used.user + used.system;
    mark = process.cpuUsage();
  };
  const batch = validate(batchSchema, JSON.parse(body));
  const records = batch.data.map((item, i) => newRecordOf(validate(newRecordSchema, item, batchRecordPath(i))));
  const command = new CreateRecordsBatch({ records, atomic: false, respondAsync: false }, context);
  lap('parse');
  const now = new Date();
  const decisions = decideCreateRecordsBatch(command, () => ({ now, recordId: ids.next() }));
  lap('decide');
  const writes: StreamWrite<RecordStateChange>[] = decisions.map((d) => planStreamWrite(context, { ...d, before: null }));
  lap('plan');
  const sealed = writes.map((write) => ({
    ...write,
    events: write.events.map((event, i) => {
      const data = event.data as Record<string, unknown>;
      const userId = String(data.user_id);
      return { ...event, data: sealEventData(data, keyOf(userId), { streamId: write.streamId, streamVersion: write.expectedVersion + i + 1, userId }) };
    }),
  }));
  lap('seal');
  const eventRows: unknown[][] = [];
  const outboxRows: unknown[][] = [];
  for (const write of sealed) {
    write.events.forEach((event, i) => {
      const version = write.expectedVersion + i + 1;
      eventRows.push([write.partitionMonth, write.streamId, version, event.type, event.schemaVersion, JSON.stringify(event.data), JSON.stringify(event.metadata), now, null, 42]);
      outboxRows.push([write.streamId, version, write.partitionMonth, write.partitionKey, now]);
    });
  }
  const changes = sealed.map((write) => ({ streamId: write.streamId, expectedVersion: write.expectedVersion, state: write.state, stagedBy: null, slot: 42 }));
  const statements = [...insertStatements('events', APPEND_EVENT_COLUMNS, eventRows), ...projection.plan(changes), ...insertStatements('outbox', OUTBOX_COLUMNS, outboxRows)];
  // As the event store sends them: in packets, each packet's text encoded by the driver.
  let bytes = 0;
  for (const packet of packetsOf(statements)) bytes += Buffer.from(packetText(packet)).length;
  lap('rows');
  const answer = JSON.stringify({ items: decisions.map((d, i) => ({ index: d.index, status: 201, id: d.recordId, version: writes[i].state.record.version, business_id: d.businessId })) });
  lap('answer');
  return bytes + answer.length;
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 15);
  const body = JSON.stringify({ data: Array.from({ length: RECORDS }, (_, i) => makeRecord(i, 200)) });
  const perRound: Record<Stage, number[]> = { parse: [], decide: [], plan: [], seal: [], rows: [], answer: [] };
  let bytes = 0;
  for (let r = 0; r < rounds + 2; r++) {
    const spent: Record<Stage, number> = { parse: 0, decide: 0, plan: 0, seal: 0, rows: 0, answer: 0 };
    bytes = oneBatch(body, spent);
    if (r < 2) continue; // warm-up: the JIT and the key map
    for (const stage of STAGES) perRound[stage].push(spent[stage] / RECORDS);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  let total = 0;
  console.log(`# batch stages, in-process: ${RECORDS} records per batch (${(body.length / RECORDS).toFixed(0)} B of body, ${(bytes / RECORDS).toFixed(0)} B of SQL and answer per record), median of ${rounds} rounds, node ${process.version}`);
  for (const stage of STAGES) {
    const m = median(perRound[stage]);
    total += m;
    console.log(`  ${stage.padEnd(7)} ${m.toFixed(2).padStart(7)} µs CPU per record`);
  }
  console.log(`  ${'sum'.padEnd(7)} ${total.toFixed(2).padStart(7)} µs CPU per record`);
}

main();
