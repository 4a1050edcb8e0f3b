import { Registry } from 'prom-client';
import { GroupCommitMetrics } from './group-commit.metrics';
import { GroupCommitter } from './group-committer';

describe('GroupCommitMetrics', () => {
  it('observes the size of each group a committer flushes and reads its queue at scrape time', async () => {
    const registry = new Registry();
    const metrics = new GroupCommitMetrics(registry);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        metrics.grouped(1, items.length);
        await held;
        return items.map((value) => ({ ok: true, value }));
      },
      { maxGroupSize: 3, windowMs: 0, maxInFlight: 1 },
    );
    metrics.watch(1, () => committer.queued);
    const done = Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));
    await new Promise((resolve) => setImmediate(resolve));
    // One slot: the first three left as a group, the fourth waits for the slot.
    expect(await registry.metrics()).toContain('shardline_group_commit_queued{shard="1"} 1');
    release();
    await done;
    const text = await registry.metrics();
    expect(text).toContain('shardline_group_commit_size_count{shard="1"} 2');
    expect(text).toContain('shardline_group_commit_size_sum{shard="1"} 4');
    expect(text).toContain('shardline_group_commit_size_bucket{le="2",shard="1"} 1');
    expect(text).toContain('shardline_group_commit_queued{shard="1"} 0');
  });
});
