import type { OpRecord } from '../op-log';
import type { FaultWindow } from '../fault-log';
import type { RecordRow, StoredEvent } from './event-store';
import { mergePatch, sameJson } from './json-merge';
import type { ModelRecord } from './read-models';

/** One broken promise, printed as is. */
export interface Violation {
  check: string;
  detail: string;
}

const RECORD_STREAM = /^record-(\d+)$/;
const idOfStream = (stream: string) => RECORD_STREAM.exec(stream)?.[1];
const key = (stream: string, version: number) => `${stream}@${version}`;

/**
 * The marker that ties an event to the load generator's operation: the `_op` the client put in a
 * created record's data_content or in a patch, or (deletes carry no content) the correlation id
 * it sent, which every event's metadata keeps.
 */
export function markerOf(e: StoredEvent): string | undefined {
  switch (e.type) {
    case 'RecordCreated':
      return e.data?.data_content?._op;
    case 'RecordUpdated':
      return e.data?.patch?._op;
    case 'RecordDeleted':
      return e.metadata?.correlationId ?? e.metadata?.correlation_id;
    default:
      return undefined;
  }
}

const expectedType = { create: 'RecordCreated', batch: 'RecordCreated', atomic: 'RecordCreated', patch: 'RecordUpdated', delete: 'RecordDeleted' } as const;

export interface WriteCheck {
  writesAcknowledged: number;
  lost: Violation[];
  duplicated: Violation[];
  mismatched: Violation[];
  retriedOps: number;
  unacknowledgedStored: number;
  unacknowledgedNotStored: number;
}

/**
 * Every acknowledged write is in the event store exactly once, at the acknowledged stream and
 * version, as an event of the right type; a rejected operation wrote nothing; an operation without a
 * final answer wrote at most once (so retries with the same key never wrote twice).
 */
export function checkWrites(ops: readonly OpRecord[], events: readonly StoredEvent[]): WriteCheck {
  const byMarker = new Map<string, StoredEvent[]>();
  for (const e of events) {
    const m = markerOf(e);
    if (!m) continue;
    // A delete's marker is its op id, as is a patch's: keep them apart by type.
    const k = `${e.type === 'RecordDeleted' ? 'del:' : ''}${m}`;
    const list = byMarker.get(k);
    if (list) list.push(e);
    else byMarker.set(k, [e]);
  }
  const result: WriteCheck = { writesAcknowledged: 0, lost: [], duplicated: [], mismatched: [], retriedOps: 0, unacknowledgedStored: 0, unacknowledgedNotStored: 0 };
  const describe = (op: OpRecord) => `${op.op} (${op.channel} ${op.kind}, key ${op.key}, ${op.attempts.length} attempt(s): ${op.attempts.map((a) => a.status ?? a.error).join(', ')})`;
  for (const op of ops) {
    if (op.attempts.length > 1) result.retriedOps++;
    const markers = op.kind === 'patch' || op.kind === 'delete' ? [op.op] : (op.records ?? []).map((r) => r.marker);
    const acked = new Map(op.acked.map((w) => [w.marker, w]));
    for (const marker of markers) {
      const found = byMarker.get(`${op.kind === 'delete' ? 'del:' : ''}${marker}`) ?? [];
      const where = found.map((e) => `${e.stream_id}@${e.version} on shard ${e.shard}`).join(', ');
      if (found.length > 1) result.duplicated.push({ check: 'duplicated', detail: `${marker} of ${describe(op)} stored ${found.length} times: ${where}` });
      const ack = acked.get(marker);
      if (ack) {
        result.writesAcknowledged++;
        if (found.length === 0) {
          result.lost.push({ check: 'lost', detail: `${marker} of ${describe(op)} acknowledged as record ${ack.id} v${ack.version}, not in the event store` });
          continue;
        }
        const hit = found.find((e) => e.stream_id === `record-${ack.id}` && e.version === ack.version);
        if (!hit) result.mismatched.push({ check: 'acknowledged version', detail: `${marker} of ${describe(op)} acknowledged as record ${ack.id} v${ack.version}, stored as ${where}` });
        else if (hit.type !== expectedType[op.kind]) result.mismatched.push({ check: 'event type', detail: `${marker} of ${describe(op)} stored as ${hit.type}` });
      } else if (op.outcome === 'rejected' && found.length > 0) {
        result.mismatched.push({ check: 'rejected but stored', detail: `${describe(op)} answered ${op.status} ${op.code ?? ''} yet stored: ${where}` });
      } else if (!ack) {
        if (found.length > 0) result.unacknowledgedStored++;
        else result.unacknowledgedNotStored++;
      }
    }
  }
  return result;
}

export interface StreamState {
  id: string;
  stream_id: string;
  business_id: string;
  user_id: string;
  version: number;
  deleted: boolean;
  data_content: unknown;
  events: number;
}

/**
 * Each stream's events folded from nothing: created → state, updated → merge patch applied,
 * deleted → gone. Versions must run 1..n without gaps, and an update's stored data_content must
 * equal the patch folded onto the previous state.
 */
export function foldStreams(events: readonly StoredEvent[]): { states: Map<string, StreamState>; problems: Violation[] } {
  const streams = new Map<string, StoredEvent[]>();
  for (const e of events) {
    const list = streams.get(e.stream_id);
    if (list) list.push(e);
    else streams.set(e.stream_id, [e]);
  }
  const states = new Map<string, StreamState>();
  const problems: Violation[] = [];
  for (const [stream, list] of streams) {
    list.sort((a, b) => a.version - b.version);
    const id = idOfStream(stream);
    if (!id) {
      problems.push({ check: 'fold', detail: `unexpected stream ${stream}` });
      continue;
    }
    let state: StreamState | undefined;
    for (const [i, e] of list.entries()) {
      if (e.version !== i + 1) {
        problems.push({ check: 'fold', detail: `${stream}: version ${e.version} at position ${i + 1} (gap or repeat)` });
        break;
      }
      if (e.type === 'RecordCreated' || e.type === 'RecordMovedIn') {
        if (state) problems.push({ check: 'fold', detail: `${stream}: ${e.type} at v${e.version} after v${state.version}` });
        state = { id, stream_id: stream, business_id: e.data.business_id, user_id: String(e.data.user_id), version: e.version, deleted: false, data_content: e.data.data_content, events: i + 1 };
      } else if (!state || state.deleted) {
        problems.push({ check: 'fold', detail: `${stream}: ${e.type} at v${e.version} on a record that does not exist` });
        break;
      } else if (e.type === 'RecordUpdated') {
        const folded = mergePatch(state.data_content, e.data.patch);
        if (!sameJson(folded, e.data.data_content)) problems.push({ check: 'fold', detail: `${stream} v${e.version}: stored data_content ${JSON.stringify(e.data.data_content)} != patch folded ${JSON.stringify(folded)}` });
        state = { ...state, version: e.version, data_content: folded, events: i + 1 };
      } else {
        state = { ...state, version: e.version, deleted: true, events: i + 1 };
      }
    }
    if (state) states.set(id, state);
  }
  return { states, problems };
}

/** The `records` table holds exactly the live folded states: same business, user, version and content. */
export function checkRecordsTable(states: Map<string, StreamState>, rows: readonly RecordRow[]): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    const s = states.get(row.id);
    if (!s) out.push({ check: 'records table', detail: `row ${row.id} (${row.business_id} v${row.version}, shard ${row.shard}) has no events` });
    else if (s.deleted) out.push({ check: 'records table', detail: `row ${row.id} v${row.version} exists but its stream ends deleted at v${s.version}` });
    else if (row.version !== s.version || row.business_id !== s.business_id || row.user_id !== s.user_id || !sameJson(row.data_content, s.data_content)) {
      out.push({ check: 'records table', detail: `row ${row.id}: ${JSON.stringify({ b: row.business_id, u: row.user_id, v: row.version, d: row.data_content })} != fold ${JSON.stringify({ b: s.business_id, u: s.user_id, v: s.version, d: s.data_content })}` });
    }
  }
  for (const s of states.values()) if (!s.deleted && !seen.has(s.id)) out.push({ check: 'records table', detail: `record ${s.id} (${s.business_id} v${s.version}) is live in its events but has no row` });
  return out;
}

/** A read model holds one entry per stream at its last version, tombstoned iff deleted, and nothing else. */
export function compareModel(name: string, states: Map<string, StreamState>, model: Map<string, ModelRecord>): Violation[] {
  const out: Violation[] = [];
  for (const s of states.values()) {
    const m = model.get(s.id);
    if (!m) out.push({ check: name, detail: `record ${s.id} (${s.business_id} v${s.version}${s.deleted ? ' deleted' : ''}) missing` });
    else if (m.version !== s.version || m.deleted !== s.deleted || m.business_id !== s.business_id)
      out.push({ check: name, detail: `record ${s.id}: ${m.business_id} v${m.version}${m.deleted ? ' deleted' : ''} != store ${s.business_id} v${s.version}${s.deleted ? ' deleted' : ''}` });
  }
  for (const id of model.keys()) if (!states.has(id)) out.push({ check: name, detail: `record ${id} is not in the event store` });
  return out;
}

/** Live records per business. */
export function countsPerBusiness(entries: Iterable<{ business_id: string; deleted: boolean }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of entries) if (!e.deleted) out.set(e.business_id, (out.get(e.business_id) ?? 0) + 1);
  return out;
}

export function compareCounts(name: string, expected: Map<string, number>, actual: Map<string, number>): Violation[] {
  const out: Violation[] = [];
  for (const b of new Set([...expected.keys(), ...actual.keys()])) {
    if ((expected.get(b) ?? 0) !== (actual.get(b) ?? 0)) out.push({ check: `${name} count`, detail: `${b}: ${actual.get(b) ?? 0} live, store ${expected.get(b) ?? 0}` });
  }
  return out;
}

/** Every stored event (stream, version) is in the set (the topic's messages, ClickHouse's raw events). */
export function missingEvents(name: string, events: readonly StoredEvent[], seen: Set<string>, extraAllowed: boolean): Violation[] {
  const out: Violation[] = [];
  const stored = new Set<string>();
  for (const e of events) {
    const k = key(e.stream_id, e.version);
    stored.add(k);
    if (!seen.has(k)) out.push({ check: name, detail: `event ${k} (${e.type}, shard ${e.shard}) missing` });
  }
  if (!extraAllowed) for (const k of seen) if (!stored.has(k)) out.push({ check: name, detail: `event ${k} is not in the event store` });
  return out;
}

/**
 * The 5xx answers each fault can cause on the write path, by error code: a shard that is down or
 * hung answers EVENT_STORE.SHARD_UNAVAILABLE (or a lock wait behind a stuck transaction,
 * EVENT_STORE.CONTENTION, or, for writes queued behind a hung one, EVENT_STORE.SHARD_BUSY); Redis down fails updates and deletes with CACHE.INVALIDATION_FAILED
 * (until the write path changes, see issue 11); an atomic batch whose shard, saga worker or Redis
 * fails answers BATCH.ABORTED or its saga's error. Kafka, Elasticsearch, ClickHouse, the relay,
 * the projector and the query API are not on the write path, and a kill -9 of the api or intake
 * leaves no answer at all (a connection error, not a 5xx): a 5xx during only those is unexplained.
 */
function canExplain(w: FaultWindow, op: OpRecord, code: string | undefined): boolean {
  if (w.unplanned) return false;
  const atomic = op.kind === 'atomic';
  switch (w.kind) {
    case 'shard':
      return atomic || code === 'EVENT_STORE.SHARD_UNAVAILABLE' || code === 'EVENT_STORE.CONTENTION' || code === 'EVENT_STORE.SHARD_BUSY';
    case 'redis':
      return atomic || code === 'CACHE.INVALIDATION_FAILED';
    case 'saga-worker':
      return atomic;
    default:
      return false;
  }
}

/**
 * Every 5xx answer fell in the window of a fault that explains it: [fault - 1 s, recovered + grace].
 * Codes in `tolerated` (known issues being fixed elsewhere, named on the command line) are counted
 * apart instead of failing the run.
 */
export function check5xx(
  ops: readonly OpRecord[],
  windows: readonly FaultWindow[],
  graceMs: number,
  tolerated: readonly string[] = [],
): { total: number; byFault: Map<string, number>; unexplained: Violation[]; tolerated: Map<string, number> } {
  const byFault = new Map<string, number>();
  const unexplained: Violation[] = [];
  const toleratedCounts = new Map<string, number>();
  let total = 0;
  for (const op of ops) {
    for (const a of op.attempts) {
      if (a.status === undefined || a.status < 500) continue;
      total++;
      const end = a.at + a.ms;
      const w = windows.find((f) => canExplain(f, op, a.code) && end >= f.downAt - 1000 && a.at <= (f.upAt ?? Number.MAX_SAFE_INTEGER) + graceMs);
      if (w) byFault.set(`#${w.n} ${w.label}`, (byFault.get(`#${w.n} ${w.label}`) ?? 0) + 1);
      else if (a.code && tolerated.includes(a.code)) toleratedCounts.set(a.code, (toleratedCounts.get(a.code) ?? 0) + 1);
      else
        unexplained.push({
          check: '5xx outside a fault',
          detail: `${op.op} (${op.channel} ${op.kind}${op.id ? ` ${op.business_id}/${op.id}` : ''}) answered ${a.status} ${a.code ?? ''} at ${new Date(a.at).toISOString()} after ${a.ms} ms${a.message ? `: ${a.message}` : ''}`,
        });
    }
  }
  return { total, byFault, unexplained, tolerated: toleratedCounts };
}
