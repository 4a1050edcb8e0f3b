import { ShardlineError } from '@shardline/errors';
import type { EpochConflict } from './slot-cutover.plan';

/**
 * A cutover step conditioned on slot epochs found other epochs (docs/adr/0008, section 1): another
 * saga (or a later attempt of this one) already moved the slots on, so this attempt must not act.
 * Not retriable: the same step at the same epochs can never succeed again.
 */
export class SlotEpochConflictError extends ShardlineError {
  readonly code = 'SLOT_MOVE.EPOCH_CONFLICT';
  readonly kind = 'conflict';
  constructor(
    readonly action: string,
    /** Each refused slot with the epoch the step expected (or would set) and the one it found. */
    readonly conflicts: readonly EpochConflict[],
  ) {
    super(
      `${action} refused: ${conflicts.length} slot${conflicts.length === 1 ? '' : 's'} at another epoch (${conflicts
        .slice(0, 20)
        .map((c) => `slot ${c.slot}: expected ${c.expected}, found ${c.found}${c.shard === undefined ? '' : ` on shard ${c.shard}`}`)
        .join('; ')}${conflicts.length > 20 ? '; …' : ''})`,
    );
  }

  get slots(): number[] {
    return this.conflicts.map((c) => c.slot);
  }
}
