import { UnavailableError } from '@shardline/errors';

/** The step did not finish within its timeout; retriable (the next attempt may be faster). */
export class StepTimeoutError extends UnavailableError {
  constructor(step: string, timeoutMs: number) {
    super('SAGA.STEP_TIMEOUT', `step ${step} did not finish within ${timeoutMs} ms`);
  }
}

/**
 * Runs `work` with a signal that aborts when `timeoutMs` passes or `outer` aborts (worker
 * shutdown). Rejects at the timeout even if `work` ignores its signal: the step is then retried,
 * but only once the abandoned attempt's work has settled (the run lease, StepRun, stays held until
 * then), so two runs of a saga never execute at once.
 */
export async function runWithTimeout<T>(step: string, timeoutMs: number, outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StepTimeoutError(step, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
