/**
 * Waits `ms`, or less: resolves at once when `signal` aborts (or already has), so a worker waiting
 * out a backoff or an idle poll stops without waiting for its timer. Never rejects: callers look
 * at `signal.aborted` afterwards. The listener is removed when the wait ends, so a long-lived
 * signal shared by many short waits does not collect listeners.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
