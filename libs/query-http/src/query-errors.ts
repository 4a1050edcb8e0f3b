/**
 * The read models' adapters throw their own errors (a code and a field, no HTTP notion); these
 * give them the `kind` the error envelope filter maps to a status, in one place.
 */
export class QueryValidationError extends Error {
  readonly kind = 'validation';
  readonly retriable = false;
  constructor(
    readonly code: string,
    message: string,
    readonly details: Array<{ field: string; message: string }>,
  ) {
    super(message);
  }
}

export class ReadModelUnavailableError extends Error {
  readonly kind = 'unavailable';
  readonly retriable = true;
  readonly details = [];
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Known adapter errors → kinded errors; anything else unknown from a read model → 503 (the engine failed, not the request). */
export function translateReadModelError(error: unknown, unavailableCode: string): Error {
  const e = error as { kind?: string; code?: string; field?: string; details?: Array<{ field: string; message: string }>; message?: string; name?: string };
  if (e?.kind) return error as Error; // already kinded (validation of our own schemas)
  if (e?.name === 'InvalidSearchQueryError' && e.field) return new QueryValidationError(e.code ?? 'VALIDATION_FAILED', e.message ?? 'invalid', [{ field: e.field, message: e.message ?? 'invalid' }]);
  if (e?.name === 'AnalyticsInputError' && Array.isArray(e.details)) {
    return new QueryValidationError('VALIDATION_FAILED', e.message ?? 'invalid', e.details.map((d) => ({ field: d.field || '(query)', message: d.message })));
  }
  return new ReadModelUnavailableError(e?.code && /UNAVAILABLE/.test(e.code) ? e.code : unavailableCode, `read model unavailable: ${e?.message ?? String(error)}`);
}
