import { streamIdOf } from '@shardline/records';
import { slotOf } from '@shardline/sharding';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { eventKey, streamOrderViolations, type Received } from '../../test/relay/relay-test-kit';
import type { WriteOp } from './write-load';

export interface AuditInput {
  databases: ShardDatabases;
  /** The slot map after the move: slot -> shard. */
  owner: Map<number, number>;
  ops: WriteOp[];
  /** What the loader wrote: live records and events (bench/scale's loader counts them). */
  loaded: { live: number; events: number };
  /** Everything the relay published to the run's topic (TopicCollector). */
  published: Received[];
  /** Slots the move gave to another shard. */
  moved: Set<number>;
}

export interface AuditResult {
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  ok: boolean;
}

const CHUNK = 1_000;
const isAck = (o: WriteOp) => o.status >= 200 && o.status < 300;
/** No answer, or a 5xx other than the refusals that promise nothing was written: may or may not be stored. */
const isUnknown = (o: WriteOp) => o.status === 0 || (o.status >= 500 && o.code !== 'EVENT_STORE.SLOT_MOVED');

/**
 * The benchmark's audit, after the move finished and `slots cleanup` deleted the old copies: every
 * acknowledged write is stored exactly once, on the shard the final map names; no shard holds a
 * row of a slot the map gives to another; every `records` row's version is the number of events of
 * its stream; the totals are what the loader and the acknowledged writes add up to; every
 * acknowledged event reached Kafka and each stream's events came in order across the change of owner.
 * Its own SQL (no code of the write path), so a bug of the move machinery cannot hide itself.
 */
export async function audit(input: AuditInput): Promise<AuditResult> {
  const { databases, owner } = input;
  const shards = databases.shardIndexes();
  const checks: AuditResult['checks'] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const acked = input.ops.filter(isAck);
  const unknown = input.ops.filter(isUnknown);
  const ackedCreates = acked.filter((o) => o.kind === 'create');
  const unknownCreates = unknown.filter((o) => o.kind === 'create').length;

  // 1. Every acknowledged write's event, exactly once over all shards, on its final shard.
  const streams = [...new Set(acked.map((o) => streamIdOf(o.id!)))];
  const eventShards = new Map<string, number[]>();
  for (const shard of shards) {
    for (let i = 0; i < streams.length; i += CHUNK) {
      const part = streams.slice(i, i + CHUNK);
      const [rows] = await databases.shard(shard).raw(`SELECT stream_id, stream_version FROM events WHERE stream_id IN (${part.map(() => '?').join(',')})`, part);
      for (const r of rows as Array<{ stream_id: string; stream_version: number }>) {
        const key = eventKey({ stream_id: r.stream_id, stream_version: r.stream_version });
        eventShards.set(key, [...(eventShards.get(key) ?? []), shard]);
      }
    }
  }
  const lost: string[] = [];
  const twice: string[] = [];
  const misplaced: string[] = [];
  for (const o of acked) {
    const key = eventKey({ stream_id: streamIdOf(o.id!), stream_version: o.version! });
    const on = eventShards.get(key) ?? [];
    const final = owner.get(slotOf(o.businessId));
    if (on.length === 0) lost.push(`${key} (${o.businessId}, slot ${slotOf(o.businessId)})`);
    else if (on.length > 1) twice.push(`${key} on shards ${on.join(',')}`);
    else if (on[0] !== final) misplaced.push(`${key} on shard ${on[0]}, map says ${final}`);
  }
  check('acknowledged writes stored exactly once on their final shard (events)', lost.length + twice.length + misplaced.length === 0, `${acked.length} acknowledged; lost ${lost.length}, twice ${twice.length}, on the wrong shard ${misplaced.length}${sample([...lost, ...twice, ...misplaced])}`);

  // 2. Every acknowledged create's records row, exactly once, on its final shard.
  const rowShards = new Map<string, number[]>();
  const ids = ackedCreates.map((o) => o.id!);
  for (const shard of shards) {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const [rows] = await databases.shard(shard).raw(`SELECT id FROM records WHERE id IN (${part.map(() => '?').join(',')})`, part);
      for (const r of rows as Array<{ id: string | number }>) rowShards.set(String(r.id), [...(rowShards.get(String(r.id)) ?? []), shard]);
    }
  }
  const rowProblems = ackedCreates
    .map((o) => ({ o, on: rowShards.get(o.id!) ?? [] }))
    .filter(({ o, on }) => on.length !== 1 || on[0] !== owner.get(slotOf(o.businessId)))
    .map(({ o, on }) => `record ${o.id} (${o.businessId}) on shards [${on.join(',')}], map says ${owner.get(slotOf(o.businessId))}`);
  check('acknowledged creates: one records row, on the final shard', rowProblems.length === 0, `${ackedCreates.length} creates; ${rowProblems.length} wrong${sample(rowProblems)}`);

  // 3. Nothing on a shard the map does not name (after cleanup), in records and events.
  const stray: string[] = [];
  const wrongSlot: string[] = [];
  let totalRecords = 0;
  let totalEvents = 0;
  for (const shard of shards) {
    const db = databases.shard(shard);
    // By the business id itself, not the `slot` column (shard migration 0010), which is checked against it.
    const [records] = await db.raw(`SELECT CRC32(business_id) % 4096 AS s, COUNT(*) AS n, SUM(NOT (slot <=> CRC32(business_id) % 4096)) AS wrong FROM records GROUP BY s`);
    const [events] = await db.raw(`SELECT CRC32(JSON_VALUE(data, '$.business_id')) % 4096 AS s, COUNT(*) AS n, SUM(NOT (slot <=> CRC32(JSON_VALUE(data, '$.business_id')) % 4096)) AS wrong FROM events GROUP BY s`);
    for (const [table, rows] of [['records', records], ['events', events]] as const) {
      for (const row of rows as Array<{ s: number; n: number; wrong: number | string | null }>) {
        const r = { slot: row.s, n: row.n };
        if (Number(row.wrong ?? 0) > 0) wrongSlot.push(`shard ${shard} ${table}: ${row.wrong} row(s) of slot ${row.s} with another slot column`);
        if (table === 'records') totalRecords += Number(r.n);
        else totalEvents += Number(r.n);
        if (owner.get(Number(r.slot)) !== shard) stray.push(`shard ${shard} ${table}: ${r.n} row(s) of slot ${r.slot} (map: shard ${owner.get(Number(r.slot))})`);
      }
    }
  }
  check('no shard holds rows of a slot the map gives to another', stray.length === 0, `${stray.length} stray slot(s)${sample(stray)}`);
  check('every row\'s slot column is the slot of its business id (NULL counts as wrong)', wrongSlot.length === 0, `${wrongSlot.length} slot(s) with wrong columns${sample(wrongSlot)}`);

  // 4. Totals: what the loader wrote plus the acknowledged writes (plus at most the unanswered ones).
  const records = { min: input.loaded.live + ackedCreates.length, max: input.loaded.live + ackedCreates.length + unknownCreates };
  const events = { min: input.loaded.events + acked.length, max: input.loaded.events + acked.length + unknown.length };
  check('records rows = loaded live + acknowledged creates', totalRecords >= records.min && totalRecords <= records.max, `${totalRecords} rows, expected ${range(records)}`);
  check('events = loaded + acknowledged writes', totalEvents >= events.min && totalEvents <= events.max, `${totalEvents} events, expected ${range(events)}`);

  // 5. Each records row's version is its stream's number of events (nothing lost or doubled in a stream).
  const versionProblems: string[] = [];
  for (const shard of shards) {
    const [rows] = await databases.shard(shard).raw(
      `SELECT COUNT(*) AS n, MIN(r.id) AS example FROM records r LEFT JOIN (SELECT stream_id, COUNT(*) AS n, MAX(stream_version) AS top FROM events GROUP BY stream_id) e
         ON e.stream_id = CONCAT('record-', r.id) WHERE e.n IS NULL OR e.n <> r.version OR e.top <> r.version`,
    );
    const bad = rows as Array<{ n: number; example: string | null }>;
    if (Number(bad[0].n) > 0) versionProblems.push(`shard ${shard}: ${bad[0].n} record(s), e.g. ${bad[0].example}`);
  }
  check('records.version = number of events of the stream = its last version', versionProblems.length === 0, versionProblems.join('; ') || `every row of ${shards.length} shards`);

  // 6. Kafka: every acknowledged event published; each stream in order across the change of owner.
  const published = new Set(input.published.map((m) => eventKey(m.envelope)));
  const unpublished = acked.map((o) => eventKey({ stream_id: streamIdOf(o.id!), stream_version: o.version! })).filter((k) => !published.has(k));
  check('every acknowledged write published to Kafka', unpublished.length === 0, `${published.size} distinct events received; ${unpublished.length} missing${sample(unpublished)}`);
  // The read models are fed from this topic only: if it carries nothing but the run's own writes, the
  // move changed nothing they hold (the copy re-published no loaded event).
  const written = new Set(input.ops.filter((o) => o.id && o.version).map((o) => eventKey({ stream_id: streamIdOf(o.id!), stream_version: o.version! })));
  const foreign = [...published].filter((k) => !written.has(k));
  const unknownCount = unknown.length;
  check('Kafka carries only the run\'s writes (the move re-published nothing)', foreign.length <= unknownCount, `${foreign.length} event(s) not acknowledged to the client (${unknownCount} requests without an answer may explain as many)${sample(foreign)}`);
  const order = streamOrderViolations(input.published);
  check('per-stream order in Kafka', order.length === 0, `${input.published.length} messages; ${order.length} out of order${sample(order)}`);

  const causal = businessOrderViolations(input.ops.filter(isAck), input.published, input.moved);
  check(
    'per-business order in Kafka (moved slots): a write acknowledged before another was sent is published before it',
    causal.violations.length === 0,
    `${causal.businesses} businesses, ${causal.events} acknowledged events; ${causal.violations.length} out of order${sample(causal.violations)}`,
  );

  return { checks, ok: checks.every((c) => c.ok) };
}

/**
 * The order a consumer of one business sees across its slot's change of owner: if write A was
 * acknowledged before write B was sent, A's event must come first in the business's partition (the
 * new shard's relay holds the slot until the old shard's outbox is drained). Linear: in offset order,
 * a message whose write finished before an earlier message's write was even sent is a violation.
 */
function businessOrderViolations(acked: WriteOp[], published: Received[], moved: Set<number>): { businesses: number; events: number; violations: string[] } {
  const opOf = new Map(acked.filter((o) => moved.has(slotOf(o.businessId))).map((o) => [eventKey({ stream_id: streamIdOf(o.id!), stream_version: o.version! }), o]));
  const seen = new Set<string>();
  const byBusiness = new Map<string, Array<{ m: Received; o: WriteOp }>>();
  const sorted = [...published].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const m of sorted) {
    const key = eventKey(m.envelope);
    const o = opOf.get(key);
    if (!o || seen.has(key)) continue;
    seen.add(key);
    let list = byBusiness.get(o.businessId);
    if (!list) byBusiness.set(o.businessId, (list = []));
    list.push({ m, o });
  }
  const violations: string[] = [];
  for (const [businessId, list] of byBusiness) {
    let latest: { startMs: number; key: string } | undefined;
    for (const { m, o } of list) {
      if (latest && latest.startMs > o.startMs + o.latencyMs) violations.push(`${businessId}: ${eventKey(m.envelope)} (acknowledged at ${Math.round(o.startMs + o.latencyMs)} ms) after ${latest.key} (sent at ${Math.round(latest.startMs)} ms)`);
      if (!latest || o.startMs > latest.startMs) latest = { startMs: o.startMs, key: eventKey(m.envelope) };
    }
  }
  return { businesses: byBusiness.size, events: seen.size, violations };
}

function sample(items: string[]): string {
  return items.length === 0 ? '' : `: ${items.slice(0, 5).join(' | ')}${items.length > 5 ? ' …' : ''}`;
}

function range(r: { min: number; max: number }): string {
  return r.min === r.max ? String(r.min) : `${r.min}..${r.max} (the upper part: requests without an answer)`;
}
