/**
 * In-process cost of the SQL text of an append's rows (the event store's insertStatements): µs per
 * record for the events, outbox and records rows of 2,500 records shaped like bench:ingest's
 * (sealed event data, metadata, data_content in clear), in interleaved rounds. For A/B of the row
 * building without the HTTP path's noise: `scripts/with-node tsx bench/ingest/row-sql.ts [rounds]`,
 * optionally with ROW_SQL_MODULE=<path of another sql-statements.ts> as the A side.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { insertStatements as current, OUTBOX_COLUMNS } from '@shardline/event-store/mysql';

const RECORDS = 2500;
const EVENT_COLUMNS = ['month_key', 'stream_id', 'stream_version', 'event_type', 'schema_version', 'data', 'metadata', 'created_time', 'partition_key'];
const RECORD_COLUMNS = ['business_id', 'id', 'user_id', 'data_content', 'version', 'created_time', 'updated_time'];

function rows() {
  const now = new Date();
  const events: unknown[][] = [];
  const outbox: unknown[][] = [];
  const records: unknown[][] = [];
  for (let i = 0; i < RECORDS; i++) {
    const id = String(7_400_000_000_000_000 + i);
    const content = { order_id: `o-${i}`, amount: (i % 10_000) / 100, status: i % 3 === 0 ? 'paid' : 'open', note: randomBytes(60).toString('hex') };
    const sealed = { alg: 'A256GCM', iv: randomBytes(12).toString('base64'), ct: randomBytes(200).toString('base64'), tag: randomBytes(16).toString('base64') };
    events.push([202612, `record-${id}`, 1, 'RecordCreated', 1, JSON.stringify({ id, business_id: `bench-biz-${i % 1000}`, user_id: String(1 + (i % 50_000)), created_time: now.toISOString(), sealed }), JSON.stringify({ eventId: randomUUID(), commandId: randomUUID(), correlationId: randomUUID(), causationId: null, actor: null }), now, `bench-biz-${i % 1000}`]);
    outbox.push([`record-${id}`, 1, 202612, `bench-biz-${i % 1000}`, now]);
    records.push([`bench-biz-${i % 1000}`, id, String(1 + (i % 50_000)), JSON.stringify(content), 1, now, now]);
  }
  return { events, outbox, records };
}

type Build = typeof current;

function timeOne(build: Build, input: ReturnType<typeof rows>): number {
  const started = process.cpuUsage();
  let bytes = 0;
  for (let k = 0; k < 8; k++) {
    for (const s of [...build('events', EVENT_COLUMNS, input.events), ...build('outbox', OUTBOX_COLUMNS, input.outbox), ...build('records', RECORD_COLUMNS, input.records)]) bytes += Buffer.byteLength(s.sql);
  }
  const used = process.cpuUsage(started);
  if (bytes === 0) throw new Error('no SQL');
  return (used.user + used.system) / (8 * RECORDS);
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const other: Build | undefined = process.env.ROW_SQL_MODULE ? (await import(process.env.ROW_SQL_MODULE)).insertStatements : undefined;
  const input = rows();
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (other) a.push(timeOne(other, input));
    b.push(timeOne(current, input));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  if (other) console.log(`A ${process.env.ROW_SQL_MODULE}: ${median(a).toFixed(2)} µs CPU per record (median of ${rounds})`);
  console.log(`B this tree's insertStatements: ${median(b).toFixed(2)} µs CPU per record (median of ${rounds})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
