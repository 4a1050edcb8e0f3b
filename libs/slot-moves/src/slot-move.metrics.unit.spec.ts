import { Registry } from 'prom-client';
import { registerSlotMoveEtaMetrics } from './slot-move.metrics';
import type { MovePlanHeader, SlotMoveRow } from './slot-move.types';

describe('slot move rate and ETA gauges (read at scrape, as `slots status`)', () => {
  const now = new Date('2026-12-03T10:00:00Z');
  const plan = (moveId: string): MovePlanHeader => ({ moveId, created: now, options: { parallel: 2, rowsPerSlot: { '1': 1000 } }, status: 'open' });
  const row = (moveId: string, copied: number): SlotMoveRow => ({
    moveId,
    slot: 5,
    group: 0,
    fromShard: 1,
    toShard: 4,
    stage: 'copying',
    epochFrom: 1,
    cursor: null,
    rowsCopied: copied,
    rowsBehind: null,
    stageStarted: now,
    updated: now,
    admitted: new Date(now.getTime() - 10_000),
  });

  it('one series per open move; a move whose ETA is unknown has no ETA series; one read of the store per scrape', async () => {
    let reads = 0;
    const moves = {
      plans: async () => {
        reads++;
        return [plan('m-known'), plan('m-unknown')];
      },
      // m-known: 500 of ~1,000 rows in 10 s; m-unknown has copied nothing yet (no rate).
      slots: async (moveId: string) => [row(moveId, moveId === 'm-known' ? 500 : 0)],
    };
    const registry = new Registry();
    registerSlotMoveEtaMetrics(registry, moves, () => now);
    const text = await registry.metrics();
    expect(text).toContain('shardline_slot_move_eta_seconds{move="m-known"} 10');
    expect(text).toContain('shardline_slot_move_copy_rows_per_second{move="m-known"} 50');
    expect(text).not.toMatch(/shardline_slot_move_eta_seconds\{move="m-unknown"\}/);
    expect(text).not.toMatch(/shardline_slot_move_copy_rows_per_second\{move="m-unknown"\}/);
    expect(reads).toBe(1);
  });
});
