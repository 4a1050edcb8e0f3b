import { SlotMapShardRouter } from './shard-router';
import { SlotMap, slotOf } from './slot-map';
import { SlotMapSnapshot, SlotMapSource } from './slot-map-source.port';
import { SlotMapWatcher } from './slot-map-watcher';

/** A control database in memory: a version and the snapshot it stands for; counts the loads. */
class FakeSource implements SlotMapSource {
  loads = 0;
  failing: Error | null = null;
  constructor(public snapshot: SlotMapSnapshot) {}
  async version(): Promise<number> {
    if (this.failing) throw this.failing;
    return this.snapshot.version;
  }
  async load(): Promise<SlotMapSnapshot> {
    this.loads++;
    if (this.failing) throw this.failing;
    return this.snapshot;
  }
}

const shards = (n: number) => Array.from({ length: n }, (_, shard) => ({ shard, url: `mysql://h/db${shard}` }));
/** The modulo map over 4 shards with `business`'s slot moved to `shard` (of `shardCount`). */
const movedTo = (business: string, shard: number, shardCount: number) =>
  SlotMap.fromAssignments(
    shardCount,
    SlotMap.modulo(4)
      .assignments()
      .map((a) => (a.slot === slotOf(business) ? { slot: a.slot, shard } : a)),
  );

describe('SlotMapWatcher', () => {
  const wire = (source: FakeSource) => {
    const applied: number[] = [];
    const errors: unknown[] = [];
    let router: SlotMapShardRouter | undefined;
    const watcher = new SlotMapWatcher(
      source,
      (snapshot) => {
        applied.push(snapshot.version);
        router?.replace(snapshot.map, snapshot.version);
      },
      { pollMs: 3_600_000, onError: (e) => errors.push(e) },
    );
    return { watcher, applied, errors, attach: (r: SlotMapShardRouter) => (router = r) };
  };

  it('applies the current map at start, reloads only when the version grew, and the router swaps to it', async () => {
    const source = new FakeSource({ version: 3, map: SlotMap.modulo(4), shards: shards(4) });
    const { watcher, applied, attach } = wire(source);
    const first = await watcher.start();
    const router = new SlotMapShardRouter(first.map, first.version);
    attach(router);
    router.refreshWith(() => watcher.refresh());
    try {
      await router.refresh();
      expect(source.loads).toBe(1);
      source.snapshot = { version: 4, map: movedTo('acme', 4, 5), shards: shards(5) };
      await router.refresh();
      expect(applied).toEqual([3, 4]);
      expect(router.version).toBe(4);
      expect(router.shardFor('acme')).toBe(4);
      expect(router.shardCount).toBe(5);
    } finally {
      watcher.stop();
    }
  });

  it('concurrent refreshes share one reload', async () => {
    const source = new FakeSource({ version: 1, map: SlotMap.modulo(4), shards: shards(4) });
    const { watcher } = wire(source);
    await watcher.start();
    source.snapshot = { ...source.snapshot, version: 2 };
    await Promise.all([watcher.refresh(), watcher.refresh(), watcher.refresh()]);
    watcher.stop();
    expect(source.loads).toBe(2);
    expect(watcher.version).toBe(2);
  });

  it('a control database that cannot be read keeps the map in use and reports the error', async () => {
    const source = new FakeSource({ version: 1, map: SlotMap.modulo(4), shards: shards(4) });
    const { watcher, errors, applied } = wire(source);
    await watcher.start();
    source.failing = new Error('control down');
    await watcher.refresh();
    watcher.stop();
    expect(errors).toEqual([source.failing]);
    expect(applied).toEqual([1]);
  });
});

describe('SlotMapShardRouter.replace', () => {
  it('never goes back to an older version', () => {
    const router = new SlotMapShardRouter(SlotMap.modulo(4), 5);
    expect(router.replace(movedTo('acme', 3, 4), 4)).toBe(false);
    expect(router.shardFor('acme')).toBe(SlotMap.modulo(4).shardFor('acme'));
    expect(router.replace(movedTo('acme', (SlotMap.modulo(4).shardFor('acme') + 1) % 4, 4), 6)).toBe(true);
    expect(router.version).toBe(6);
  });

  it('reports the version it routes by at start, at once when it changed, else at most every everyMs; forgets itself at stop', async () => {
    const source = new FakeSource({ version: 3, map: SlotMap.modulo(4), shards: shards(4) });
    const reports: string[] = [];
    let clock = 1_000;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const watcher = new SlotMapWatcher(source, () => {}, {
      pollMs: 3_600_000,
      report: { write: async (v) => void reports.push(`v${v}`), forget: async () => void reports.push('forget'), everyMs: 5_000 },
    });
    try {
      await watcher.start();
      await watcher.refresh();
      clock += 4_999;
      await watcher.refresh();
      expect(reports).toEqual(['v3']);
      source.snapshot = { version: 4, map: SlotMap.modulo(4), shards: shards(4) };
      await watcher.refresh();
      clock += 5_000;
      await watcher.refresh();
      expect(reports).toEqual(['v3', 'v4', 'v4']);
    } finally {
      await watcher.stop();
      now.mockRestore();
    }
    expect(reports.at(-1)).toBe('forget');
    await watcher.stop();
    expect(reports.filter((r) => r === 'forget')).toHaveLength(1);
  });

  it('a failed report is an error of the poll, not of the map: the new map is applied anyway and the report is tried again', async () => {
    const source = new FakeSource({ version: 3, map: SlotMap.modulo(4), shards: shards(4) });
    const errors: unknown[] = [];
    let failing = true;
    const written: number[] = [];
    const applied: number[] = [];
    const watcher = new SlotMapWatcher(source, (s) => applied.push(s.version), {
      pollMs: 3_600_000,
      onError: (e) => errors.push(e),
      report: {
        write: async (v) => {
          if (failing) throw new Error('control database down');
          written.push(v);
        },
        forget: async () => {},
        everyMs: 5_000,
      },
    });
    await watcher.start();
    source.snapshot = { version: 4, map: SlotMap.modulo(4), shards: shards(4) };
    await watcher.refresh();
    expect(applied).toEqual([3, 4]);
    expect(errors).toHaveLength(2);
    failing = false;
    await watcher.refresh();
    expect(written).toEqual([4]);
    await watcher.stop();
  });
});
