import { createHash } from 'node:crypto';
import { firstIdAt } from '@shardline/ids';
import { EMPTY_STORE_DIGEST, addStoreDigests, type ModelDigest, type StoreDigest } from './digest';
import type { EventStoreSide, ModelState, ReadModelSide, StoreStream } from './ports';
import { childIndexOfId, idRange, type Slice, type SlicePlan } from './slice';
import { Verifier } from './verifier';

/** H as the engines compute it: first 64 bits of MD5("<stream>:<version>:<0|1>"). */
const h = (stream: string, version: number, deleted: boolean) => BigInt(`0x${createHash('md5').update(`${stream}:${version}:${deleted ? 1 : 0}`).digest('hex').slice(0, 16)}`);

interface Event {
  recordId: string;
  version: number;
  terminal: boolean;
}

/** The event store's side computed the way the SQL does: per event, telescoping, no per-stream grouping. */
class MemoryStore implements EventStoreSide {
  events: Event[] = [];
  shards = () => [0];
  months = async () => [202612];
  async digests(_shard: number, plan: SlicePlan): Promise<Map<number, StoreDigest>> {
    const out = new Map<number, StoreDigest>();
    for (const e of this.inSlice(plan.slice)) {
      const s = `record-${e.recordId}`;
      const a = h(s, e.version, e.terminal);
      const b = e.version > 1 ? h(s, e.version - 1, false) : 0n;
      const d: StoreDigest = {
        events: 1,
        recordsCount: (e.version === 1 ? 1 : 0) - (e.terminal ? 1 : 0),
        recordsXor: e.terminal ? b : a ^ b,
        latestCount: e.version === 1 ? 1 : 0,
        latestXor: a ^ b,
        latestDeleted: e.terminal ? 1 : 0,
        publishedEvents: 1,
        sumVersion2: 2 * e.version - 1,
        sumVersionDeleted: e.terminal ? e.version : 0,
        eventsXor: a,
      };
      const k = childIndexOfId(plan, e.recordId);
      out.set(k, addStoreDigests(out.get(k) ?? EMPTY_STORE_DIGEST, d));
    }
    return out;
  }
  async streams(_shard: number, slice: Slice): Promise<StoreStream[]> {
    return this.fold(this.inSlice(slice));
  }
  async streamsOf(_shard: number, ids: readonly string[]): Promise<StoreStream[]> {
    return this.fold(this.events.filter((e) => ids.includes(e.recordId)));
  }
  private inSlice(slice: Slice): Event[] {
    const { lo, hi } = idRange(slice);
    return this.events.filter((e) => BigInt(e.recordId) >= lo && BigInt(e.recordId) < hi);
  }
  private fold(events: Event[]): StoreStream[] {
    const out = new Map<string, StoreStream>();
    for (const e of events) {
      const end = { version: e.version, deleted: e.terminal };
      const prev = out.get(e.recordId);
      if (!prev || prev.all!.version < e.version) out.set(e.recordId, { shard: 0, streamId: `record-${e.recordId}`, recordId: e.recordId, all: end, published: end });
    }
    return [...out.values()];
  }
}

/** ClickHouse's latest table in memory. */
class MemoryLatest implements ReadModelSide {
  readonly name = 'clickhouse-latest' as const;
  readonly perShard = false;
  rows = new Map<string, ModelState>();
  months = async () => [202612];
  async digests(plan: SlicePlan): Promise<Map<number, ModelDigest>> {
    const out = new Map<number, ModelDigest>();
    for (const r of this.inSlice(plan.slice)) {
      const k = childIndexOfId(plan, r.recordId);
      const d = out.get(k) ?? { count: 0, deleted: 0, xor: 0n };
      out.set(k, { count: d.count + 1, deleted: d.deleted! + (r.deleted ? 1 : 0), xor: d.xor! ^ h(`record-${r.recordId}`, r.version, r.deleted) });
    }
    return out;
  }
  states = async (slice: Slice) => this.inSlice(slice);
  statesOf = async (ids: readonly string[]) => [...this.rows.values()].filter((r) => ids.includes(r.recordId));
  private inSlice(slice: Slice): ModelState[] {
    const { lo, hi } = idRange(slice);
    return [...this.rows.values()].filter((r) => BigInt(r.recordId) >= lo && BigInt(r.recordId) < hi);
  }
}

describe('Verifier (in-memory sides computing the same digests as the SQL)', () => {
  const start = Date.UTC(2026, 11, 3);
  const id = (i: number) => firstIdAt(new Date(start + i * 3_600_000));

  function system(records = 40) {
    const store = new MemoryStore();
    const model = new MemoryLatest();
    for (let i = 0; i < records; i++) {
      const versions = 1 + (i % 3);
      const deleted = i % 7 === 0 && versions > 1;
      for (let v = 1; v <= versions; v++) store.events.push({ recordId: id(i), version: v, terminal: deleted && v === versions });
      model.rows.set(id(i), { recordId: id(i), version: versions, deleted });
    }
    return { store, model };
  }
  let clock = 0;
  const options = { fanout: 4, leafMax: 2, settleMs: 5000, recheckEveryMs: 1000, now: () => clock, sleep: async (ms: number) => void (clock += ms) };

  it('agrees at the month level on a clean system: the telescoped XOR equals the model rows, nothing drilled', async () => {
    const { store, model } = system();
    const report = await new Verifier(store, [model], options).verify();
    expect(report.differences).toEqual([]);
    expect(report.slicesDrilled).toBe(0);
    expect(report.rows).toEqual([expect.objectContaining({ model: 'clickhouse-latest', expected: expect.objectContaining({ count: 40 }), actual: expect.objectContaining({ count: 40 }) })]);
  });

  it('drills down to exactly the streams that differ: behind, ahead, missing, phantom, deleted flag', async () => {
    const { store, model } = system();
    model.rows.set(id(1), { recordId: id(1), version: 1, deleted: false });
    model.rows.set(id(3), { recordId: id(3), version: 5, deleted: false });
    model.rows.delete(id(5));
    model.rows.set(id(99), { recordId: id(99), version: 1, deleted: false });
    model.rows.set(id(14), { recordId: id(14), version: 3, deleted: false });
    const report = await new Verifier(store, [model], { ...options, settleMs: 0 }).verify();
    expect(report.differences.map((d) => `${d.recordId} ${d.kind}`).sort()).toEqual(
      [`${id(1)} behind`, `${id(3)} ahead`, `${id(5)} missing`, `${id(99)} phantom`, `${id(14)} deleted-mismatch`].sort(),
    );
    expect(report.slicesDrilled).toBeGreaterThan(0);
  });

  it('a stream the model is only late on is settled by re-checking, not reported', async () => {
    const { store, model } = system();
    model.rows.delete(id(2));
    const row = { recordId: id(2), version: 3, deleted: false };
    const lateModel = Object.assign(Object.create(model), { statesOf: async (ids: readonly string[]) => (model.rows.set(id(2), row), model.statesOf(ids)) });
    const report = await new Verifier(store, [lateModel], options).verify();
    expect(report.differences).toEqual([]);
    expect(report.settled).toBe(1);
  });

  it('stops settling as soon as the consumer group caught up, and reports what still differs', async () => {
    const { store, model } = system();
    model.rows.delete(id(2));
    clock = 0;
    const report = await new Verifier(store, [model], { ...options, settleMs: 600_000, catchUpGate: () => ({ caughtUp: async () => true }) }).verify();
    expect(report.differences.map((d) => d.kind)).toEqual(['missing']);
    expect(clock).toBe(0);
  });
});
