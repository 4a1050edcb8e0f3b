import type { FaultWindow } from '../fault-log';
import type { OpRecord } from '../op-log';
import { check5xx, checkRecordsTable, checkWrites, compareModel, foldStreams, markerOf } from './checks';
import type { RecordRow, StoredEvent } from './event-store';

const created = (id: string, marker: string, content: Record<string, unknown> = {}, shard = 0): StoredEvent => ({
  shard,
  stream_id: `record-${id}`,
  version: 1,
  type: 'RecordCreated',
  data: { id, business_id: 'b', user_id: '7', data_content: { _op: marker, ...content } },
  metadata: { correlationId: marker },
});
const updated = (id: string, version: number, patch: Record<string, unknown>, dataContent: unknown): StoredEvent => ({
  shard: 0,
  stream_id: `record-${id}`,
  version,
  type: 'RecordUpdated',
  data: { id, business_id: 'b', user_id: '7', patch, data_content: dataContent },
  metadata: { correlationId: String(patch._op) },
});
const deleted = (id: string, version: number, op: string): StoredEvent => ({ shard: 0, stream_id: `record-${id}`, version, type: 'RecordDeleted', data: { id, business_id: 'b', user_id: '7' }, metadata: { correlationId: op } });

const createOp = (op: string, outcome: OpRecord['outcome'], acked?: { id: string; version: number }): OpRecord => ({
  op,
  channel: 'rest',
  kind: 'create',
  key: `k-${op}`,
  records: [{ business_id: 'b', user_id: '7', marker: op }],
  attempts: [{ at: 1000, ms: 5, status: outcome === 'ack' ? 201 : outcome === 'rejected' ? 409 : undefined }],
  outcome,
  acked: acked ? [{ ...acked, business_id: 'b', marker: op }] : [],
});

describe('checkWrites', () => {
  it('passes an acknowledged create stored once at its version', () => {
    const r = checkWrites([createOp('o1', 'ack', { id: '11', version: 1 })], [created('11', 'o1')]);
    expect([r.lost, r.duplicated, r.mismatched]).toEqual([[], [], []]);
    expect(r.writesAcknowledged).toBe(1);
  });

  it('finds an acknowledged write that is not stored (lost)', () => {
    const r = checkWrites([createOp('o1', 'ack', { id: '11', version: 1 })], []);
    expect(r.lost).toHaveLength(1);
    expect(r.lost[0].detail).toContain('o1');
  });

  it('finds a retried write stored twice (duplicated), also when it was never acknowledged', () => {
    const twice = [created('11', 'o1'), created('12', 'o1')];
    expect(checkWrites([createOp('o1', 'ack', { id: '11', version: 1 })], twice).duplicated).toHaveLength(1);
    expect(checkWrites([createOp('o1', 'unknown')], twice).duplicated).toHaveLength(1);
    expect(checkWrites([createOp('o1', 'unknown')], [created('11', 'o1')]).duplicated).toHaveLength(0);
  });

  it('finds a write stored at another version than acknowledged, and a rejected one that was stored', () => {
    const patch: OpRecord = { op: 'o2', channel: 'kafka', kind: 'patch', key: 'k', id: '11', patch: { _op: 'o2' }, attempts: [], outcome: 'ack', acked: [{ id: '11', business_id: 'b', version: 3, marker: 'o2' }] };
    const events = [created('11', 'o1'), updated('11', 2, { _op: 'o2' }, { _op: 'o2' })];
    expect(checkWrites([patch], events).mismatched.map((v) => v.check)).toEqual(['acknowledged version']);
    expect(checkWrites([createOp('o1', 'rejected')], [created('11', 'o1')]).mismatched.map((v) => v.check)).toEqual(['rejected but stored']);
  });

  it('ties a delete to its operation by the correlation id, apart from a patch of the same op id', () => {
    const del: OpRecord = { op: 'o3', channel: 'rest', kind: 'delete', key: 'k', id: '11', attempts: [], outcome: 'ack', acked: [{ id: '11', business_id: 'b', version: 2, marker: 'o3' }] };
    expect(markerOf(deleted('11', 2, 'o3'))).toBe('o3');
    const r = checkWrites([del], [created('11', 'o1'), deleted('11', 2, 'o3')]);
    expect([r.lost, r.duplicated, r.mismatched]).toEqual([[], [], []]);
  });
});

describe('foldStreams and checkRecordsTable', () => {
  const row = (id: string, version: number, data_content: unknown): RecordRow => ({ shard: 0, id, business_id: 'b', user_id: '7', data_content, version });

  it('folds merge patches and matches the records table', () => {
    const events = [created('11', 'o1', { a: { b: 1, c: 2 }, t: [1] }), updated('11', 2, { _op: 'o2', a: { c: null }, t: null }, { _op: 'o2', a: { b: 1 } })];
    const { states, problems } = foldStreams(events);
    expect(problems).toEqual([]);
    expect(checkRecordsTable(states, [row('11', 2, { a: { b: 1 }, _op: 'o2' })])).toEqual([]);
  });

  it('finds a row that differs from the fold, a stale version, a deleted record still present, a live one missing', () => {
    const { states } = foldStreams([created('11', 'o1', { a: 1 }), created('12', 'o5'), deleted('12', 2, 'o6'), created('13', 'o7')]);
    const v = checkRecordsTable(states, [row('11', 1, { _op: 'o1', a: 2 }), row('12', 1, { _op: 'o5' })]);
    expect(v.map((x) => x.detail.split(' ').slice(0, 2).join(' '))).toEqual(['row 11:', 'row 12', 'record 13']);
  });

  it('finds an update whose stored content is not the patch folded onto the state before, and version gaps', () => {
    expect(foldStreams([created('11', 'o1', { a: 1 }), updated('11', 2, { _op: 'o2', b: 2 }, { _op: 'o2', b: 2 })]).problems).toHaveLength(1);
    expect(foldStreams([created('11', 'o1'), updated('11', 3, { _op: 'o2' }, { _op: 'o2' })]).problems[0].detail).toContain('gap');
  });
});

describe('compareModel', () => {
  it('wants every stream at its last version, tombstoned iff deleted, and nothing else', () => {
    const { states } = foldStreams([created('11', 'o1'), created('12', 'o2'), deleted('12', 2, 'o3')]);
    const good = new Map([
      ['11', { id: '11', business_id: 'b', version: 1, deleted: false }],
      ['12', { id: '12', business_id: 'b', version: 2, deleted: true }],
    ]);
    expect(compareModel('es', states, good)).toEqual([]);
    const bad = new Map([
      ['12', { id: '12', business_id: 'b', version: 1, deleted: false }],
      ['99', { id: '99', business_id: 'b', version: 1, deleted: false }],
    ]);
    expect(compareModel('es', states, bad)).toHaveLength(3);
  });
});

describe('check5xx', () => {
  const window = (kind: FaultWindow['kind'], downAt: number, upAt: number): FaultWindow => ({ n: 1, label: `${kind} stop`, kind, target: kind, mode: 'stop', downAt, upAt, detail: [] });
  const op = (at: number, code: string, channel: 'rest' | 'kafka' = 'rest'): OpRecord => ({ op: 'o1', channel, kind: 'patch', key: 'k', attempts: [{ at, ms: 100, status: 503, code }], outcome: 'ack', acked: [] });
  const SHARD = 'EVENT_STORE.SHARD_UNAVAILABLE';
  const CACHE = 'CACHE.INVALIDATION_FAILED';

  it('excuses a 5xx inside the window (plus grace) of a fault that causes that error', () => {
    expect(check5xx([op(5_000, SHARD)], [window('shard', 4_000, 10_000)], 2_000).unexplained).toEqual([]);
    expect(check5xx([op(11_500, SHARD)], [window('shard', 4_000, 10_000)], 2_000).unexplained).toEqual([]);
    expect(check5xx([op(12_500, SHARD)], [window('shard', 4_000, 10_000)], 2_000).unexplained).toHaveLength(1);
    expect(check5xx([op(1_000, SHARD)], [window('shard', 4_000, 10_000)], 2_000).unexplained).toHaveLength(1);
    expect(check5xx([op(5_000, CACHE)], [window('redis', 4_000, 10_000)], 2_000).unexplained).toEqual([]);
  });

  it('does not excuse an error the fault cannot cause: Redis failing during a shard or Kafka fault', () => {
    expect(check5xx([op(5_000, CACHE)], [window('shard', 4_000, 10_000)], 2_000).unexplained).toHaveLength(1);
    expect(check5xx([op(5_000, CACHE, 'kafka')], [window('kafka', 4_000, 10_000)], 2_000).unexplained).toHaveLength(1);
    expect(check5xx([op(5_000, SHARD)], [window('elasticsearch', 4_000, 10_000)], 2_000).unexplained).toHaveLength(1);
  });

  it('counts tolerated codes apart', () => {
    const r = check5xx([op(5_000, CACHE)], [], 2_000, [CACHE]);
    expect(r.unexplained).toEqual([]);
    expect(r.tolerated.get(CACHE)).toBe(1);
  });
});
