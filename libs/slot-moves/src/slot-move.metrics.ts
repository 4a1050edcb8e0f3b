import { Counter, Gauge, type Registry } from 'prom-client';
import type { SlotMoveStore } from './slot-move-store.port';
import { slotMoveStatus, type SlotMoveStatus } from './slot-move.status';
import type { SlotMoveStage } from './slot-move.types';

/** What the slot-move saga's effects tell Prometheus as they go (in the process that runs the sagas). */
export class SlotMoveMetrics {
  private readonly rowsCopied: Counter<'from_shard' | 'to_shard'>;
  private readonly rowsBehind: Gauge<'move' | 'group'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rowsCopied = new Counter({
      name: 'shardline_slot_move_rows_copied_total',
      help: 'Rows (events, records, Idempotency-Keys) slot moves copied to their target shard',
      labelNames: ['from_shard', 'to_shard'],
      registers,
    });
    this.rowsBehind = new Gauge({
      name: 'shardline_slot_move_rows_behind',
      help: 'Source events of a moving group above its catch-up cursor (removed when the group ends)',
      labelNames: ['move', 'group'],
      registers,
    });
  }

  observe(group: { moveId: string; group: number; fromShard: number; toShard: number }, stage: SlotMoveStage, rowsCopied: number, rowsBehind?: number): void {
    if (rowsCopied > 0) this.rowsCopied.inc({ from_shard: String(group.fromShard), to_shard: String(group.toShard) }, rowsCopied);
    const labels = { move: group.moveId, group: String(group.group) };
    if (stage === 'done' || stage === 'rolled-back') this.rowsBehind.remove(labels);
    else if (rowsBehind !== undefined) this.rowsBehind.set(labels, rowsBehind);
  }
}

/**
 * Slots of open moves by stage, read from the control database at each scrape. Register it in ONE
 * process kind (the saga worker): it describes the shared plan, not the process.
 */
export function registerSlotMoveStageMetrics(registry: Registry, countByStage: () => Promise<ReadonlyArray<{ stage: string; slots: number }>>): void {
  new Gauge({
    name: 'shardline_slot_moves',
    help: 'Slots of open slot moves by stage (planned, queued, copying, catching-up, verifying, cutover, handoff, rolling-back)',
    labelNames: ['stage'],
    registers: [registry],
    async collect() {
      const counts = await countByStage();
      this.reset();
      for (const c of counts) this.set({ stage: c.stage }, c.slots);
    },
  });
}

/**
 * Rate and ETA of each open move, computed at each scrape from the control database as `slots
 * status` does (without the sagas' statuses). One process kind registers it (the saga worker).
 */
export function registerSlotMoveEtaMetrics(registry: Registry, moves: Pick<SlotMoveStore, 'plans' | 'slots'>, now: () => Date = () => new Date()): void {
  const statuses = async () => Promise.all((await moves.plans({ status: 'open' })).map(async (plan) => slotMoveStatus(plan, await moves.slots(plan.moveId), () => 'unknown', now())));
  let last: Promise<SlotMoveStatus[]> | null = null;
  // Both gauges are collected in one scrape: one read of the control database serves them.
  const read = () => (last ??= statuses().finally(() => setTimeout(() => (last = null), 1000).unref()));
  const perMove = (name: string, help: string, valueOf: (move: SlotMoveStatus) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['move'],
      registers: [registry],
      async collect() {
        const report = await read();
        this.reset();
        for (const m of report) {
          const value = valueOf(m);
          if (value !== null) this.set({ move: m.move_id }, value);
        }
      },
    });
  perMove('shardline_slot_move_eta_seconds', 'Seconds until every group of an open slot move has copied and caught up, at its current rate (absent while unknown)', (m) => m.eta_s);
  perMove('shardline_slot_move_copy_rows_per_second', "Copy rate of an open slot move: the sum of its running groups' rates since each was admitted", (m) => m.rows_per_s);
}
