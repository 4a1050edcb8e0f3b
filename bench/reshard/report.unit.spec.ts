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

  it('finds the longest stall of one slot: a write outstanding and no acknowledgement, idle time excluded', () => {
    const [hot, other] = ['tenant-00001', 'tenant-00002'];
    expect(slotOf(hot)).not.toBe(slotOf(other));
    const ops = [
      op(hot, 0, 10),
      op(hot, 100, 10),
      // Nothing sent from 110 to 1000: idle, not a pause.
      op(hot, 1000, 900), // answered at 1900 …
      op(hot, 1200, 5, 503, 'EVENT_STORE.SLOT_MOVED'), // refused (not an acknowledgement), but it was waiting too
      op(hot, 1300, 650), // answered at 1950
      op(other, 0, 0),
      op(other, 5000, 0), // two writes only: below minWrites
    ];
    const gap = longestGap(ops, new Set([slotOf(hot), slotOf(other)]), { name: 'during', fromMs: 0, toMs: 6000 }, 3);
    expect(gap).toEqual({ longestMs: 900, slot: slotOf(hot), atMs: 1900, slots: 1 });
    // A slot outside the set does not count; a slot written twice with nothing between has no stall beyond its requests' own time.
    expect(longestGap(ops, new Set([slotOf(other)]), { name: 'during', fromMs: 0, toMs: 6000 }, 2)).toEqual({ longestMs: 0, slot: -1, atMs: 0, slots: 1 });
  });
});
