import { z } from 'zod';
import { ShardlineError, UnavailableError, validate } from '@shardline/errors';
import { defineSaga, type StepContext } from '@shardline/sagas';
import { voidOrGoForward } from '../commit-point';
import type { MovePair, MoveRecordsEffects, MoveScope } from './move-records.effects';

/**
 * Move records from one business to another, across shards (docs/adr/0004): at any moment a reader
 * sees every record either at its source or as its copy — never both, never neither — and a move
 * that fails leaves the sources as they were, unlocked. The pairs (source id → new id) are the
 * saga's payload, fixed when the move was accepted; the saga id names the lock and the commit point.
 *
 *   1. lock     — open the commit point; mark every source row as moving out (writes to them now
 *                 answer 423 RECORD.LOCKED naming this saga), all or none.
 *                 Compensation: void the commit point, then unlock the rows this saga holds.
 *   2. copy     — stage the copies on the target shard (RecordMovedIn: the full state, moved_from
 *                 referencing the source at its version), chunk by chunk, invisible and unpublished.
 *                 Compensation: void the commit point, then discard the staged copies.
 *   3. verify   — the copies are the sources: same count, same checksum of user and content, pair by pair.
 *   4. commit   — PIVOT: the commit point goes pending → committed; at this one moment the copies
 *                 appear and the sources disappear, on every read path; the sources leave the read cache.
 *                 Compensation (before the pivot only): void — or go forward if a late attempt committed.
 *   5. release  — the copies get their outbox rows; each source gets RecordMovedOut and its row is
 *                 deleted (one local transaction, published through the outbox). No compensation:
 *                 retried, and parked for an operator if it cannot.
 * Every compensation voids the commit point first, so none can undo a move that committed.
 */
export const MOVE_RECORDS = 'move-records';

/** Records per staged or retiring transaction: bounds the memory and the size of one transaction. */
export const MOVE_CHUNK = 500;

const inputSchema = z.strictObject({
  /** Fingerprint of the request: the same Idempotency-Key with another body is refused. */
  request_hash: z.string().min(1),
  from_business_id: z.string().min(1).max(64),
  from_shard: z.number().int().min(0),
  to_business_id: z.string().min(1).max(64),
  to_shard: z.number().int().min(0),
  records: z.number().int().min(1).max(10_000),
  correlation_id: z.string().min(1).max(255),
  /** The API key that asked for it (events' `actor`); null with authentication off or for sagas started before keys. */
  actor: z.string().min(1).max(255).nullable().default(null),
});
export type MoveRecordsInput = z.output<typeof inputSchema>;

export interface MoveRecordsPayload {
  moved: MovePair[];
}

export interface MoveRecordsResult {
  saga_id: string;
  from_business_id: string;
  to_business_id: string;
  moved: MovePair[];
  count: number;
}

/** The copies differ from the sources they were made from: the move must not commit. */
export class MoveVerificationError extends ShardlineError {
  readonly code = 'MOVE.VERIFY_FAILED';
  readonly kind = 'conflict';
  constructor(message: string) {
    super(message);
  }
}

type Context = StepContext<MoveRecordsInput, MoveRecordsEffects>;

const scopeOf = (context: Context): MoveScope => ({
  sagaId: context.sagaId,
  fromBusinessId: context.input.from_business_id,
  fromShard: context.input.from_shard,
  toBusinessId: context.input.to_business_id,
  toShard: context.input.to_shard,
});

async function pairsOf(context: Context): Promise<MovePair[]> {
  return (await context.payload<MoveRecordsPayload>()).moved;
}

function chunksOf(pairs: MovePair[]): MovePair[][] {
  const out: MovePair[][] = [];
  for (let i = 0; i < pairs.length; i += MOVE_CHUNK) out.push(pairs.slice(i, i + MOVE_CHUNK));
  return out;
}


export const moveRecordsSaga = defineSaga<MoveRecordsInput, MoveRecordsEffects>({
  type: MOVE_RECORDS,
  deadlineMs: 120_000,
  parseInput: (raw) => validate(inputSchema, raw),
  steps: [
    {
      name: 'lock',
      timeoutMs: 30_000,
      attempts: 5,
      async action(context) {
        await context.effects.openCommitPoint(context.sagaId);
        return { locked: await context.effects.lockSources(scopeOf(context), await pairsOf(context)) };
      },
      async compensation(context) {
        await voidOrGoForward(context.effects, context.sagaId);
        await context.effects.unlockSources(scopeOf(context), await pairsOf(context));
      },
    },
    {
      name: 'copy',
      timeoutMs: 60_000,
      attempts: 5,
      async action(context) {
        let staged = 0;
        for (const [part, chunk] of chunksOf(await pairsOf(context)).entries()) {
          context.signal.throwIfAborted();
          staged += await context.effects.stageCopies(scopeOf(context), chunk, { commandId: context.commandId(part), correlationId: context.input.correlation_id, actor: context.input.actor });
        }
        return { staged };
      },
      async compensation(context) {
        await voidOrGoForward(context.effects, context.sagaId);
        await context.effects.discardCopies(scopeOf(context), await pairsOf(context));
      },
    },
    {
      name: 'verify',
      timeoutMs: 30_000,
      attempts: 3,
      async action(context) {
        const { sources, copies } = await context.effects.fingerprints(scopeOf(context), await pairsOf(context));
        const expected = context.input.records;
        if (sources.count !== expected || copies.count !== expected || sources.checksum !== copies.checksum) {
          throw new MoveVerificationError(`expected ${expected} records; held sources ${sources.count} (${sources.checksum}), staged copies ${copies.count} (${copies.checksum})`);
        }
        return { records: expected, checksum: sources.checksum };
      },
    },
    {
      name: 'commit',
      pivot: true,
      timeoutMs: 10_000,
      attempts: 5,
      async action(context) {
        const decision = await context.effects.commit(context.sagaId);
        if (decision === 'voided') throw new UnavailableError('MOVE.VOIDED', 'the move was voided before it could commit');
        if (decision !== 'committed') throw new UnavailableError('MOVE.COMMIT_POINT_UNDECIDED', 'the commit point is still pending');
        // The sources are invisible from now on: no cached reader may serve them once the client is answered.
        await context.effects.forgetCachedSources(scopeOf(context), await pairsOf(context));
        return { committed: true };
      },
      compensation: (context) => voidOrGoForward(context.effects, context.sagaId),
    },
    {
      name: 'release',
      timeoutMs: 60_000,
      attempts: 20,
      async action(context) {
        const pairs = await pairsOf(context);
        const released = await context.effects.releaseCopies(scopeOf(context), pairs);
        let retired = 0;
        for (const [part, chunk] of chunksOf(pairs).entries()) {
          context.signal.throwIfAborted();
          retired += await context.effects.retireSources(scopeOf(context), chunk, { commandId: context.commandId(`retire-${part}`), correlationId: context.input.correlation_id, actor: context.input.actor });
        }
        // Again, for a move that went forward from a compensation (PivotReachedError) past the commit step's own forgetting.
        await context.effects.forgetCachedSources(scopeOf(context), pairs);
        return { released, retired };
      },
    },
  ],
  async result(completed): Promise<MoveRecordsResult> {
    const { moved } = await completed.payload<MoveRecordsPayload>();
    const input = completed.input;
    return { saga_id: completed.sagaId, from_business_id: input.from_business_id, to_business_id: input.to_business_id, moved, count: moved.length };
  },
});
