/**
 * kafkajs 2.2.4 keeps a 1 ms timer going on every broker connection for as long as it lives:
 * RequestQueue.scheduleCheckPendingRequests computes its delay as `throttledUntil - Date.now()`,
 * negative when nothing is throttled (throttledUntil starts at -1), Node runs a negative delay after
 * 1 ms (the `TimeoutNegativeWarning` every process of ours printed), and each check schedules the
 * next whether or not anything is pending — a thousand wakeups a second per connection, busy or idle
 * (kafkajs issues #1556, #1704, #1751; open, the project is unmaintained). Measured: most of the
 * relay's CPU while its outbox is empty (bench/README.md, "the outbox relay against its raw producer").
 *
 * The fix the issues propose, applied to kafkajs' own RequestQueue (the module every client of the
 * process shares): with nothing pending and no throttle in force there is nothing to check, so no
 * timer. Nothing else depends on it: a request that cannot go out at once is queued by push(), which
 * schedules the check itself; an answered request checks the queue (fulfillRequest); a throttle
 * still gets its check when it ends; request timeouts have their own interval.
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const FIXED = Symbol.for('shardline.kafkajsIdleTimerFix');

/** Installs the fix once per process; false when this kafkajs has no such method (a version that changed it). */
export function fixKafkajsIdleTimer(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs exports no types for its internals
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals & { [FIXED]?: true } };
  const proto = RequestQueue.prototype;
  if (proto[FIXED]) return true;
  const original = proto.scheduleCheckPendingRequests;
  if (typeof original !== 'function') return false;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.pending.length === 0 && !(this.throttledUntil > Date.now())) return;
    original.call(this);
  };
  proto[FIXED] = true;
  return true;
}
