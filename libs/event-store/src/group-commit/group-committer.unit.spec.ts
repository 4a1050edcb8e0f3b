import { GroupCommitQueueFullError, GroupCommitQueueTimeoutError, GroupCommitter, Settled } from './group-committer';

describe('GroupCommitter', () => {
  it('coalesces concurrent submissions into one group', async () => {
    const groups: number[][] = [];
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        groups.push(items);
        return items.map((v) => ({ ok: true, value: v * 2 }));
      },
      { maxGroupSize: 100, windowMs: 2, maxInFlight: 1 },
    );
    const results = await Promise.all([1, 2, 3, 4].map((v) => committer.submit(v)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(groups).toEqual([[1, 2, 3, 4]]);
  });

  it('flushes at the size limit without waiting for the window', async () => {
    const groups: number[][] = [];
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        groups.push(items);
        return items.map((v) => ({ ok: true, value: v }));
      },
      { maxGroupSize: 3, windowMs: 60_000, maxInFlight: 4 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((v) => committer.submit(v)));
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('fails only the item whose result is an error', async () => {
    const committer = new GroupCommitter<number, number>(
      async (items) => items.map((v): Settled<number> => (v === 2 ? { ok: false, error: new Error('bad 2') } : { ok: true, value: v })),
      { maxGroupSize: 10, windowMs: 1, maxInFlight: 1 },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((v) => committer.submit(v)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects the whole group when the flush itself throws', async () => {
    const committer = new GroupCommitter<number, number>(
      async () => {
        throw new Error('connection lost');
      },
      { maxGroupSize: 10, windowMs: 0, maxInFlight: 1 },
    );
    const settled = await Promise.allSettled([1, 2].map((v) => committer.submit(v)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
  });

  it('queues behind busy groups and never exceeds maxInFlight; drain waits for all', async () => {
    let inFlight = 0;
    let peak = 0;
    const committer = new GroupCommitter<number, number>(
      async (items) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items.map((v) => ({ ok: true, value: v }));
      },
      { maxGroupSize: 2, windowMs: 0, maxInFlight: 2 },
    );
    const all = Array.from({ length: 20 }, (_, i) => committer.submit(i));
    await committer.drain();
    expect(committer.pending).toBe(0);
    expect(await Promise.all(all)).toHaveLength(20);
    expect(peak).toBe(2);
  });

  describe('bounded waiting (a slow target)', () => {
    /** A flush that never finishes until released: the target is slow. */
    function stuckCommitter(options: { maxQueued?: number; maxQueueWaitMs?: number }) {
      const sent: number[] = [];
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const committer = new GroupCommitter<number, number>(
        async (items) => {
          sent.push(...items);
          await released;
          return items.map((v) => ({ ok: true, value: v }));
        },
        { maxGroupSize: 1, windowMs: 0, maxInFlight: 1, ...options },
      );
      return { committer, sent, release: () => release() };
    }

    it('refuses at once, without sending, when maxQueued items already wait', async () => {
      const { committer, sent, release } = stuckCommitter({ maxQueued: 2 });
      const first = committer.submit(1);
      await new Promise((r) => setImmediate(r)); // 1 is in flight
      const queued = [committer.submit(2), committer.submit(3)];
      await expect(committer.submit(4)).rejects.toBeInstanceOf(GroupCommitQueueFullError);
      release();
      expect(await Promise.all([first, ...queued])).toEqual([1, 2, 3]);
      expect(sent).toEqual([1, 2, 3]);
    });

    it('refuses an item that waited maxQueueWaitMs while every slot was busy, and never sends it', async () => {
      const { committer, sent, release } = stuckCommitter({ maxQueueWaitMs: 30 });
      const first = committer.submit(1);
      await new Promise((r) => setImmediate(r));
      const started = performance.now();
      const late = committer.submit(2);
      await expect(late).rejects.toBeInstanceOf(GroupCommitQueueTimeoutError);
      // Refused by the timer at its deadline, not when a slot finally freed.
      expect(performance.now() - started).toBeLessThan(1_000);
      release();
      expect(await first).toBe(1);
      await committer.drain();
      expect(sent).toEqual([1]);
    });

    it('keeps items that got a slot within maxQueueWaitMs', async () => {
      const committer = new GroupCommitter<number, number>(
        async (items) => {
          await new Promise((r) => setTimeout(r, 5));
          return items.map((v) => ({ ok: true, value: v }));
        },
        { maxGroupSize: 1, windowMs: 0, maxInFlight: 1, maxQueueWaitMs: 5_000, maxQueued: 100 },
      );
      expect(await Promise.all([1, 2, 3, 4].map((v) => committer.submit(v)))).toEqual([1, 2, 3, 4]);
    });
  });
});
