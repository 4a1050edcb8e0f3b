import { z } from 'zod';
import { ShardlineError, UnavailableError, validate } from '@shardline/errors';
import { continueLater, defineSaga, PivotReachedError, type StepContext } from '@shardline/sagas';
import type { CopyCursor, SlotMismatch, SlotMoveEffects, SlotMoveGroup } from './slot-move.effects';

/**
 * Move a group of slots from one shard to another while writes go on (docs/adr/0008, section 4).
 * One saga per group of up to 16 slots sharing (from, to); `ops-cli slots move` plans the groups.
 *
 *   1. admit     — wait for a place among the move's `parallel` running groups.
 *                  Compensation: give the place back, report the group rolled back.
 *   2. copy      — backfill the slots' events, records and keys to the target, a chunk per run
 *                  (continueLater: a kill -9 loses one chunk, the pause between chunks throttles).
 *                  Compensation: delete the target's rows of the slots, chunk by chunk.
 *   3. catch-up  — follow the writes still landing on the source until fewer than
 *                  `behind_threshold` rows trail, so the cutover's final catch-up is short.
 *   4. verify    — counts and checksums of the settled rows on both sides; a mismatch rolls back.
 *   5. cutover   — revoke on the source (a barrier: nothing more commits there), final catch-up,
 *                  exact verify, grant on the target with its relay holding the slots. Writes to
 *                  the slots wait (the runner retries SLOT_MOVED) from the revoke to the flip.
 *                  Compensation R: revoke on the target, give the source its slots back.
 *   6. flip      — PIVOT: the map names the target (epoch + 1), conditioned on the planned epochs.
 *   7. handoff   — once the source's outbox holds no row of the slots, the target's relay may
 *                  publish them: no event of a business leaves the target before an earlier one
 *                  left the source. Retried, never compensated.
 * The source keeps its (now dead) copy until `ops-cli slots cleanup`, a separate explicit step.
 */
export const SLOT_MOVE = 'slot-move';

const slot = z.number().int().min(0).max(4095);
const inputSchema = z
  .strictObject({
    move_id: z.string().min(1).max(64),
    group: z.number().int().min(0),
    slots: z.array(slot).min(1).max(256),
    from_shard: z.number().int().min(0),
    to_shard: z.number().int().min(0),
    epochs: z.array(z.number().int().min(0)),
    /** Pause between two copy or catch-up chunks: the throttle. */
    pause_ms: z.number().int().min(0).max(600_000).default(0),
    /** The cutover starts once fewer source rows than this trail the copy. */
    behind_threshold: z.number().int().min(0).default(1_000),
    /** How often a group next in line for a place asks again (groups further back: admitPollDelay). */
    admit_poll_ms: z.number().int().min(10).max(600_000).default(500),
    /** How often the hand-off looks at the source's outbox. */
    handoff_poll_ms: z.number().int().min(10).max(600_000).default(500),
  })
  .refine((input) => input.epochs.length === input.slots.length, { message: 'one epoch per slot', path: ['epochs'] })
  .refine((input) => input.from_shard !== input.to_shard, { message: 'must differ from from_shard', path: ['to_shard'] });
export type SlotMoveInput = z.output<typeof inputSchema>;

/** The copy differs from its source: the move must not cut over. */
export class SlotMoveVerificationError extends ShardlineError {
  readonly code = 'SLOT_MOVE.VERIFY_FAILED';
  readonly kind = 'conflict';
  constructor(readonly mismatches: SlotMismatch[]) {
    super(`copy differs from the source: ${mismatches.slice(0, 5).map((m) => `slot ${m.slot} ${m.what} ${m.source} ≠ ${m.target}`).join('; ')}${mismatches.length > 5 ? ` (+${mismatches.length - 5} more)` : ''}`);
  }
}

interface CopyProgress {
  cursor: CopyCursor | null;
  rows: number;
}

export interface CutoverResult {
  cursor: CopyCursor;
  rows: number;
  /** From the revoke to the grant: how long writes to the slots were refused, at the least. */
  pause_ms: number;
  /** Where the pause went: the revoke barrier, the staged-rows check and the final catch-up (side by side, each from the revoke's end), the exact verify, the grant. */
  phases_ms?: { revoke: number; staged: number; catch_up: number; verify: number; grant: number };
  /** Epoch ms of the revoke (the worker's clock): with the flip's `flipped_at`, the pause writes see until the map names the target. */
  revoked_at?: number;
}

type Context = StepContext<SlotMoveInput, SlotMoveEffects>;

/**
 * Milliseconds since the previous lap (the first: since made): the cutover's phase timings.
 * `since()` reads the time since the last lap without starting a new one (phases run side by side).
 */
function laps(): (() => number) & { since(): number } {
  let last = Date.now();
  const lap = () => {
    const now = Date.now();
    const ms = now - last;
    last = now;
    return ms;
  };
  return Object.assign(lap, { since: () => Date.now() - last });
}

export function groupOf(input: SlotMoveInput): SlotMoveGroup {
  return { moveId: input.move_id, group: input.group, slots: input.slots, fromShard: input.from_shard, toShard: input.to_shard, epochs: input.epochs };
}

/** Longest wait between two admission polls of a group far back in the queue. */
export const MAX_ADMIT_POLL_MS = 30_000;

/**
 * A waiting group polls every `pollMs` when next in line, twice as rarely per round of `parallel`
 * groups before it (capped): a move of 128 groups does not poll the control database 64 times a
 * second, and the saga worker's job slots stay free for the groups that copy (issue 14: with one
 * poll per group every 2 s under the plan row's lock, the polls queued ahead of the copy's chunks).
 */
export function admitPollDelay(pollMs: number, roundsAhead: number): number {
  return Math.min(Math.max(pollMs, MAX_ADMIT_POLL_MS), pollMs * 2 ** Math.min(Math.max(0, roundsAhead), 16));
}

const started = (context: Context): CopyProgress => context.progress<CopyProgress>() ?? { cursor: null, rows: 0 };

export const slotMoveSaga = defineSaga<SlotMoveInput, SlotMoveEffects>({
  type: SLOT_MOVE,
  // Copying a large group takes hours; past this a group still before its flip rolls back.
  deadlineMs: 7 * 24 * 3600_000,
  parseInput: (raw) => validate(inputSchema, raw),
  steps: [
    {
      name: 'admit',
      timeoutMs: 30_000,
      attempts: 20,
      async action({ effects, input }) {
        const group = groupOf(input);
        const admission = await effects.admit(group);
        if (!admission.admitted) return continueLater(null, admitPollDelay(input.admit_poll_ms, admission.roundsAhead));
        await effects.report(group, 'copying');
        return { admitted: true };
      },
      async compensation({ effects, input }) {
        const group = groupOf(input);
        await effects.report(group, 'rolled-back');
        await effects.release(group);
      },
    },
    {
      name: 'copy',
      timeoutMs: 5 * 60_000,
      attempts: 20,
      async action(context) {
        const { effects, input } = context;
        const group = groupOf(input);
        const progress = started(context);
        const chunk = await effects.copyChunk(group, progress.cursor);
        const next = { cursor: chunk.cursor, rows: progress.rows + chunk.rows };
        await effects.report(group, chunk.done ? 'catching-up' : 'copying', { rowsCopied: next.rows });
        return chunk.done ? next : continueLater(next, Math.max(input.pause_ms, chunk.waitMs ?? 0));
      },
      async compensation(context) {
        const { effects, input } = context;
        const group = groupOf(input);
        await effects.report(group, 'rolling-back');
        // A chunk of deletes per run, like the copy: a kill -9 loses one chunk, idempotent anyway.
        const chunk = await effects.deleteTargetChunk(group, context.progress<CopyCursor>() ?? null);
        return chunk.done ? undefined : continueLater(chunk.cursor, input.pause_ms);
      },
    },
    {
      name: 'catch-up',
      timeoutMs: 5 * 60_000,
      attempts: 20,
      async action(context) {
        const { effects, input, results } = context;
        const group = groupOf(input);
        const progress = context.progress<CopyProgress>() ?? (results.copy as CopyProgress);
        const chunk = await effects.catchUpChunk(group, progress.cursor, { final: false });
        const next = { cursor: chunk.cursor, rows: progress.rows + chunk.rows };
        await effects.report(group, 'catching-up', { rowsCopied: next.rows, rowsBehind: chunk.rowsBehind });
        return chunk.rowsBehind <= input.behind_threshold ? next : continueLater(next, input.pause_ms);
      },
    },
    {
      name: 'verify',
      timeoutMs: 10 * 60_000,
      attempts: 10,
      async action({ effects, input, results }) {
        const group = groupOf(input);
        await effects.report(group, 'verifying');
        const upTo = (results['catch-up'] as CopyProgress).cursor;
        const mismatches = await effects.verify(group, { upTo });
        if (mismatches.length > 0) throw new SlotMoveVerificationError(mismatches);
        return { slots: input.slots.length };
      },
    },
    {
      name: 'cutover',
      timeoutMs: 2 * 60_000,
      // A cutover meeting an atomic batch's staged rows gives the slots back and tries again later.
      attempts: 30,
      async action({ effects, input, results }) {
        const group = groupOf(input);
        await effects.report(group, 'cutover');
        const revokedAt = Date.now();
        const lap = laps();
        await effects.revokeSource(group);
        const revoke = lap();
        // The held-rows check and the final catch-up read the source at once (both only read after
        // the revoke; a copy made before a refusal is harmless: copies are idempotent).
        const progress = { ...(results['catch-up'] as CopyProgress) };
        const heldCheck = (async () => {
          const held = await effects.stagedRows(group);
          return { held, ms: lap.since() };
        })();
        const finalCatchUp = (async () => {
          for (let done = false; !done; ) {
            const chunk = await effects.catchUpChunk(group, progress.cursor, { final: true });
            progress.cursor = chunk.cursor;
            progress.rows += chunk.rows;
            done = chunk.done;
          }
          return lap.since();
        })();
        // Both settle before anything goes on: no copy may still run once a refusal or a rollback does.
        const [heldOutcome, catchUpOutcome] = await Promise.allSettled([heldCheck, finalCatchUp]);
        if (heldOutcome.status === 'rejected') throw heldOutcome.reason;
        if (catchUpOutcome.status === 'rejected') throw catchUpOutcome.reason;
        const { held, ms: staged } = heldOutcome.value;
        const catchUp = catchUpOutcome.value;
        if (held > 0) {
          await effects.regrantSource(group);
          throw new UnavailableError('SLOT_MOVE.STAGED_ROWS', `slots of group ${input.group} hold rows a saga holds (an atomic batch's staged rows, records a record move locked); the cutover waits for them`);
        }
        lap();
        const mismatches = await effects.verify(group, { upTo: null });
        const verify = lap();
        if (mismatches.length > 0) {
          await effects.regrantSource(group);
          throw new SlotMoveVerificationError(mismatches);
        }
        await effects.grantTarget(group);
        const phases = { revoke, staged, catch_up: catchUp, verify, grant: lap() };
        const result: CutoverResult = { cursor: progress.cursor, rows: progress.rows, pause_ms: Date.now() - revokedAt, phases_ms: phases, revoked_at: revokedAt };
        return result;
      },
      async compensation({ effects, input }) {
        const group = groupOf(input);
        // An abort that overtook the flip's run (the pivot, not yet recorded): if it committed, the
        // map names the target and giving the slots back would leave them owned where no process
        // routes. The saga goes forward instead (hand-off). The run lease keeps a flip from running beside this.
        if (await effects.flipped(group)) throw new PivotReachedError(`the slots of group ${input.group} were flipped to shard ${input.to_shard} after all: the move goes forward`);
        // Rollback R: at most one shard owns a slot at any moment, so the target lets go first.
        await effects.revokeTarget(group);
        await effects.regrantSource(group);
      },
    },
    {
      name: 'flip',
      pivot: true,
      timeoutMs: 30_000,
      attempts: 20,
      async action({ effects, input }) {
        const group = groupOf(input);
        await effects.flip(group);
        const flippedAt = Date.now();
        await effects.report(group, 'handoff');
        return { epochs: input.epochs.map((e) => e + 1), flipped_at: flippedAt };
      },
    },
    {
      name: 'handoff',
      timeoutMs: 30_000,
      attempts: 50,
      async action({ effects, input }) {
        const group = groupOf(input);
        const left = await effects.sourceOutboxRows(group);
        if (left > 0) return continueLater(null, input.handoff_poll_ms);
        await effects.releasePublishHold(group);
        await effects.report(group, 'done');
        await effects.release(group);
        return { handed_off: true };
      },
    },
  ],
  async result({ results, input }) {
    const cutover = results.cutover as CutoverResult;
    return { move_id: input.move_id, group: input.group, slots: input.slots, to_shard: input.to_shard, rows_copied: cutover.rows, cutover_pause_ms: cutover.pause_ms };
  },
});
