/**
 * What a step returns to say "one chunk done, run me again later": the orchestrator saves
 * `progress` (JSON) in the saga state and enqueues the same step after `delayMs`, without counting
 * an attempt and without moving the cursor. The next run reads it with `context.progress()`.
 * Long steps (copy a slot group) so do one bounded chunk per job: a kill -9 loses at most one chunk,
 * the delay is the throttle, and a worker's graceful stop never waits for hours.
 */
export interface ContinueLater<P = unknown> {
  readonly [CONTINUE_LATER]: true;
  readonly progress: P;
  readonly delayMs: number;
}

/** A registry symbol, not a class: a second copy of this module (jest, bundles) still recognises it. */
const CONTINUE_LATER = Symbol.for('shardline.saga.continueLater');

/** Longest delay between two runs of a continued step (a day): a longer one is a mistake, not a throttle. */
export const MAX_CONTINUE_DELAY_MS = 24 * 3600_000;

export function continueLater<P>(progress: P, delayMs = 0): ContinueLater<P> {
  // undefined is what the first run reads: a later run must be able to tell it has progress.
  if (progress === undefined) throw new TypeError('continueLater needs a progress (JSON; null is allowed, undefined is not)');
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_CONTINUE_DELAY_MS) throw new TypeError(`continueLater: delayMs must be an integer within 0..${MAX_CONTINUE_DELAY_MS}, not ${delayMs}`);
  return { [CONTINUE_LATER]: true, progress, delayMs };
}

export function isContinueLater(value: unknown): value is ContinueLater {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CONTINUE_LATER] === true;
}
