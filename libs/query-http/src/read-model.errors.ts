import { isShardlineError, messageOf, UnavailableError } from '@shardline/errors';

export type ReadModelUnavailableCode = 'SEARCH.UNAVAILABLE' | 'ANALYTICS.UNAVAILABLE';

/**
 * Runs one read-model call. Kinded errors (validation, the adapters' own unavailable errors, our
 * bugs as `internal`) pass through to the error envelope filter as they are; anything else came
 * from the engine or its client, not from the request, so it is answered 503 with `code`.
 */
export async function fromReadModel<T>(code: ReadModelUnavailableCode, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isShardlineError(error)) throw error;
    throw new UnavailableError(code, `read model unavailable: ${messageOf(error)}`, error);
  }
}
