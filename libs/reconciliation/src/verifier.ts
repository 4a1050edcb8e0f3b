import { addModelDigests, addStoreDigests, digestsAgree, EMPTY_STORE_DIGEST, type ModelDigest, type StoreDigest } from './digest';
import { differenceOf, expectedDigest, expectedState, type DifferenceKind } from './expectations';
import type { CatchUpGate, EventStoreSide, ModelState, ReadModelName, ReadModelSide, StoreStream } from './ports';
import { childOf, monthOfId, monthSlice, planOf, type Slice, type SlicePlan } from './slice';

export interface VerifyOptions {
  /** Children per slice at every level of the drill-down (64: a month in ~11.6 h slices, then ~11 min, ~10 s, ...). */
  fanout: number;
  /** A differing slice with at most this many streams (either side) is listed stream by stream. */
  leafMax: number;
  /** Longest the asynchronous read models get to catch up with the streams that differ before they are reported. */
  settleMs: number;
  /** Pause between re-checks while settling. */
  recheckEveryMs: number;
  /** Only these months (YYYYMM); default every month either side holds. */
  months?: readonly number[];
  /** Only these shards for the per-shard model (`records`); the others always hold every shard. */
  shards?: readonly number[];
  /** A fresh gate per settling read model (its consumer group's progress); none: settle by time. */
  catchUpGate?: (model: ReadModelName) => CatchUpGate | undefined;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** One line of the report: a read model's totals for one shard (or all shards) and month. */
export interface SummaryRow {
  model: ReadModelName;
  shard: number | 'all';
  month: number;
  expected: ModelDigest;
  actual: ModelDigest;
  /** Differing streams found in this row after the re-check. */
  differences: number;
}

export interface Difference {
  model: ReadModelName;
  /** The shard whose event store holds the stream; null for a phantom of a model that spans shards. */
  shard: number | null;
  month: number;
  recordId: string;
  kind: DifferenceKind;
  expected: ModelState | null;
  actual: ModelState | null;
}

export interface VerifyReport {
  rows: SummaryRow[];
  /** Streams that still differ after the re-check. */
  differences: Difference[];
  /** Streams that differed at first sight and agreed on re-check (the read model was catching up). */
  settled: number;
  /** Events of the event store covered by the top-level digests (staged included). */
  eventsScanned: number;
  /** Slices compared below the month level (drill-down work). */
  slicesDrilled: number;
  durationMs: number;
}

type Candidate = Omit<Difference, 'kind'> & { kind: DifferenceKind };

/**
 * Compares the event store with each read model, month by month: digests of the month's 64
 * slices on both sides (one aggregate query per shard / model: no rows cross the wire when they
 * agree), a differing slice cut again into 64 and compared again, down to slices small enough to
 * list stream by stream. The streams found differing are then re-checked: in one snapshot for the
 * inline `records` table (exact), and for the asynchronous read models re-read until they agree, the
 * model's consumer group has caught up (CatchUpGate), or `settleMs` passed — so a live system's lag
 * is not reported as drift, while a dead-lettered or lost event is.
 */
export class Verifier {
  private slicesDrilled = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly store: EventStoreSide,
    private readonly models: readonly ReadModelSide[],
    private readonly options: VerifyOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async verify(): Promise<VerifyReport> {
    const started = this.now();
    this.slicesDrilled = 0;
    const allShards = this.store.shards();
    const scopedShards = this.options.shards ? allShards.filter((s) => this.options.shards!.includes(s)) : allShards;
    const months = await this.monthsToCheck(allShards, scopedShards);
    const rows: SummaryRow[] = [];
    const candidates: Candidate[] = [];
    let eventsScanned = 0;
    for (const month of months) {
      const plan = planOf(monthSlice(month), this.options.fanout);
      const storeByShard = new Map<number, Map<number, StoreDigest>>();
      for (const shard of allShards) storeByShard.set(shard, await this.store.digests(shard, plan));
      for (const digests of storeByShard.values()) for (const d of digests.values()) eventsScanned += d.events;
      for (const model of this.models) {
        for (const shard of model.perShard ? scopedShards : [null]) {
          const shards = shard === null ? allShards : [shard];
          const expected = this.expectedByChild(model.name, shards.map((s) => storeByShard.get(s)!));
          const actual = await model.digests(plan, shard ?? undefined);
          const found = await this.differingIn(model, shards, plan, expected, actual);
          candidates.push(...found);
          const row = { model: model.name, shard: shard ?? ('all' as const), month, expected: total(expected), actual: total(actual), differences: 0 };
          // A shard with nothing in this month on either side is not worth a line.
          if (row.expected.count > 0 || row.actual.count > 0 || found.length > 0) rows.push(row);
        }
      }
    }
    const { differences, settled } = await this.recheck(candidates, allShards);
    for (const d of differences) {
      const row = rows.find((r) => r.model === d.model && r.month === d.month && (r.shard === 'all' || r.shard === d.shard));
      if (row) row.differences++;
    }
    return { rows, differences, settled, eventsScanned, slicesDrilled: this.slicesDrilled, durationMs: this.now() - started };
  }

  private async monthsToCheck(allShards: number[], scopedShards: number[]): Promise<number[]> {
    const months = new Set<number>();
    for (const shard of allShards) for (const m of await this.store.months(shard)) months.add(m);
    for (const model of this.models) {
      if (model.perShard) for (const shard of scopedShards) for (const m of await model.months(shard)) months.add(m);
      else for (const m of await model.months()) months.add(m);
    }
    const only = this.options.months;
    return [...months].filter((m) => !only || only.includes(m)).sort((a, b) => a - b);
  }

  private expectedByChild(model: ReadModelName, perShard: Array<Map<number, StoreDigest>>): Map<number, ModelDigest> {
    const combined = new Map<number, StoreDigest>();
    for (const digests of perShard) for (const [k, d] of digests) combined.set(k, addStoreDigests(combined.get(k) ?? EMPTY_STORE_DIGEST, d));
    return new Map([...combined].map(([k, d]) => [k, expectedDigest(model, d)]));
  }

  /** The streams that differ within the children of `plan` that differ (recursively). */
  private async differingIn(model: ReadModelSide, shards: number[], plan: SlicePlan, expected: Map<number, ModelDigest>, actual: Map<number, ModelDigest>): Promise<Candidate[]> {
    const out: Candidate[] = [];
    const empty = expectedDigest(model.name, EMPTY_STORE_DIGEST);
    for (const k of new Set([...expected.keys(), ...actual.keys()])) {
      const e = expected.get(k) ?? empty;
      const a = actual.get(k) ?? { count: 0 };
      if (digestsAgree(e, a)) continue;
      const child = childOf(plan, k);
      if (Math.max(e.count, a.count) <= this.options.leafMax || child.toMs - child.fromMs <= 1) {
        out.push(...(await this.leaf(model, shards, child)));
        continue;
      }
      const sub = planOf(child, this.options.fanout);
      this.slicesDrilled += sub.count;
      const subStore: Array<Map<number, StoreDigest>> = [];
      for (const shard of shards) subStore.push(await this.store.digests(shard, sub));
      const subActual = await model.digests(sub, model.perShard ? shards[0] : undefined);
      out.push(...(await this.differingIn(model, shards, sub, this.expectedByChild(model.name, subStore), subActual)));
    }
    return out;
  }

  /** Stream by stream. */
  private async leaf(model: ReadModelSide, shards: number[], slice: Slice): Promise<Candidate[]> {
    const streams: StoreStream[] = [];
    for (const shard of shards) streams.push(...(await this.store.streams(shard, slice)));
    const states = await model.states(slice, model.perShard ? shards[0] : undefined);
    return diff(model.name, slice.month, streams, states, model.perShard ? shards[0] : null);
  }

  private async recheck(candidates: Candidate[], allShards: number[]): Promise<{ differences: Difference[]; settled: number }> {
    const differences: Difference[] = [];
    for (const model of this.models) {
      const mine = candidates.filter((c) => c.model === model.name);
      if (mine.length === 0) continue;
      const still = model.snapshot ? await this.recheckInSnapshot(model, mine) : await this.settle(model, mine, allShards);
      differences.push(...still);
    }
    return { differences, settled: candidates.length - differences.length };
  }

  private async recheckInSnapshot(model: ReadModelSide, candidates: Candidate[]): Promise<Difference[]> {
    const out: Difference[] = [];
    for (const [shard, group] of groupBy(candidates, (c) => c.shard ?? -1)) {
      const ids = group.map((c) => c.recordId);
      const { store, model: states } = await model.snapshot!(shard, ids);
      out.push(...diffOf(model.name, ids, store, states, shard));
    }
    return out;
  }

  private async settle(model: ReadModelSide, candidates: Candidate[], allShards: number[]): Promise<Difference[]> {
    const deadline = this.now() + this.options.settleMs;
    const gate = this.options.catchUpGate?.(model.name);
    let ids = candidates.map((c) => c.recordId);
    for (;;) {
      const store: StoreStream[] = [];
      for (const shard of allShards) store.push(...(await this.store.streamsOf(shard, ids)));
      const still = diffOf(model.name, ids, store, await model.statesOf(ids), null);
      if (still.length === 0 || this.now() >= deadline) return still;
      ids = still.map((d) => d.recordId);
      // Caught up past what was published before this read: what still differs is drift. One more
      // read first (the gate was asked after the read above).
      if ((await gate?.caughtUp()) === true) {
        const last: StoreStream[] = [];
        for (const shard of allShards) last.push(...(await this.store.streamsOf(shard, ids)));
        return diffOf(model.name, ids, last, await model.statesOf(ids), null);
      }
      await this.sleep(Math.min(this.options.recheckEveryMs, Math.max(0, deadline - this.now())));
    }
  }
}

/** Differences between the streams of a slice and the model's states of it. */
function diff(model: ReadModelName, month: number, streams: StoreStream[], states: ModelState[], shard: number | null): Candidate[] {
  const byId = new Map(streams.map((s) => [s.recordId, s]));
  const actualById = new Map(states.map((s) => [s.recordId, s]));
  const out: Candidate[] = [];
  for (const id of new Set([...byId.keys(), ...actualById.keys()])) {
    const stream = byId.get(id);
    const expected = stream ? expectedState(model, stream) : null;
    const actual = actualById.get(id) ?? null;
    const kind = differenceOf(expected, actual);
    if (kind) out.push({ model, shard: stream?.shard ?? shard, month, recordId: id, kind, expected, actual });
  }
  return out;
}

function diffOf(model: ReadModelName, ids: string[], streams: StoreStream[], states: ModelState[], shard: number | null): Difference[] {
  const wanted = new Set(ids);
  return diff(model, 0, streams.filter((s) => wanted.has(s.recordId)), states.filter((s) => wanted.has(s.recordId)), shard).map((d) => ({ ...d, month: monthOfId(d.recordId) }));
}

function total(digests: Map<number, ModelDigest>): ModelDigest {
  let sum: ModelDigest = { count: 0 };
  for (const d of digests.values()) sum = addModelDigests(sum, d);
  return sum;
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
