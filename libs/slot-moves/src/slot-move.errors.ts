import { ShardlineError } from '@shardline/errors';

/** Why a slot cannot be moved as asked. */
export type MoveRefusal =
  | { reason: 'target-not-registered'; slot: number; toShard: number }
  | { reason: 'already-on-target'; slot: number; toShard: number }
  | { reason: 'in-another-open-move'; slot: number; moveId?: string }
  | { reason: 'not-a-slot'; slot: number };

/** A plan refused as a whole: nothing was stored. Lists every slot refused and why. */
export class SlotMoveRefusedError extends ShardlineError {
  readonly code = 'SLOT_MOVE.REFUSED';
  readonly kind = 'unprocessable';
  constructor(readonly refusals: readonly MoveRefusal[]) {
    super(`slot move refused: ${summary(refusals)}`, {
      details: refusals.slice(0, 50).map((r) => ({ field: `slot ${r.slot}`, message: r.reason })),
    });
  }
}

function summary(refusals: readonly MoveRefusal[]): string {
  const counts = new Map<string, number>();
  for (const r of refusals) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} slot(s) ${reason}`).join(', ');
}

/** A delete of a slot's copy was addressed to a shard that owns the slot: its rows are live data. */
export class SlotOwnedError extends ShardlineError {
  readonly code = 'SLOT_MOVE.SLOT_OWNED';
  readonly kind = 'illegal-state';
  constructor(
    readonly shardSlots: readonly number[],
  ) {
    super(`refusing to delete rows of slots this shard owns: ${shardSlots.join(', ')}`);
  }
}
