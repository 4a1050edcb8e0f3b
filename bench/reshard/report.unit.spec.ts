import { slotOf } from '@shardline/sharding';
import { latencyIn, longestGap } from './report';
import type { WriteOp } from './write-load';

const op = (businessId: string, startMs: number, latencyMs: number, status = 201, code?: string): WriteOp => ({ kind: 'create', businessId, startMs, latencyMs, status, code, id: '1', version: 1 });

describe('reshard report', () => {
  it('cuts latencies by start time and counts what was not acknowledged by status and code', () => {
    const ops = [op('a', 0, 5), op('a', 900, 50), op('a', 1000, 7), op('a', 1500, 900, 503, 'EVENT_STORE.SLOT_MOVED'), op('a', 1800, 30_000, 0, 'client-timeout'), op('a', 2000, 1)];
    const during = latencyIn(ops, { name: 'during', fromMs: 1000, toMs: 2000 });
    expect(during).toMatchObject({ requests: 3, acknowledged: 1, refused: { '503 EVENT_STORE.SLOT_MOVED': 1, '0 client-timeout': 1 }, max: 30_000 });
    expect(latencyIn(ops, { name: 'before', fromMs: 0, toMs: 1000 })).toMatchObject({ requests: 2, p50: 50, ackPerSecond: 2 });
  });

  it('finds the longest gap between acknowledgements of one slot, among the given slots written often enough', () => {
    const [hot, other] = ['tenant-00001', 'tenant-00002'];
    expect(slotOf(hot)).not.toBe(slotOf(other));
    const ops = [
      ...[0, 100, 200, 1500, 1600].map((t) => op(hot, t, 10)),
      op(hot, 1550, 5, 503, 'EVENT_STORE.SLOT_MOVED'), // refused: not an acknowledgement
      ...[0, 5000].map((t) => op(other, t, 0)), // only two writes: below minWrites
    ];
    const gap = longestGap(ops, new Set([slotOf(hot), slotOf(other)]), { name: 'during', fromMs: 0, toMs: 6000 }, 3);
    expect(gap).toMatchObject({ longestMs: 1300, slot: slotOf(hot), atMs: 210, slots: 1 });
    // A slot outside the set does not count.
    expect(longestGap(ops, new Set([slotOf(other)]), { name: 'during', fromMs: 0, toMs: 6000 }, 2)).toMatchObject({ longestMs: 5000, slots: 1 });
  });
});
