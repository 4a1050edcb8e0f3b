/**
 * Polls `probe` until it yields something other than `undefined` or `false`, and returns that value
 * (a boolean check therefore resolves to `true`). Tests wait on engines that settle asynchronously
 * (Kafka, Elasticsearch, ClickHouse, relay leases), so they poll instead of sleeping a fixed time.
 *
 * - A probe that throws is retried (an engine may refuse while it starts or recovers); if the
 *   last attempt threw, its error goes into the timeout message, so a failure shows why the
 *   probe never held.
 * - `what` may be a function: it is evaluated only at timeout, to describe the state then
 *   (e.g. "120/200 events"), not the state when the wait began.
 *
 * One helper for every test, so waits read alike and fail with the same kind of message.
 */
export async function waitFor<T>(
  what: string | (() => string | Promise<string>),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined; // the probe answers again: an old error no longer explains the wait
    } catch (error) {
      lastError = { error };
    }
    if (Date.now() >= deadline) {
      const description = typeof what === 'function' ? await Promise.resolve().then(what).catch((e) => `(description failed: ${String(e)})`) : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${lastError ? ` (last error: ${String(lastError.error)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
