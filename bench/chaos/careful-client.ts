import type { Attempt } from './op-log';

/** An answer to one attempt: an HTTP status (or a Kafka result's http_status) with its body. */
export interface Answer {
  status: number;
  body: any;
  code?: string;
  replayed?: boolean;
  retryAfterS?: number;
}

export interface RetryPolicy {
  /** Give up (outcome unknown) when the operation has been retried this long. */
  budgetMs: number;
  attemptTimeoutMs: number;
  /** A command sent through Kafka waits behind the intake's backlog: a longer wait before re-sending. */
  kafkaAttemptTimeoutMs: number;
}

/**
 * What a careful client does: the same request under the same Idempotency-Key again after a 5xx, a
 * timeout or a connection error, with capped exponential backoff (honouring Retry-After), until a
 * final answer or the budget is spent. Every attempt is noted for the log.
 */
export async function carefully(
  policy: RetryPolicy,
  attempt: (timeoutMs: number) => Promise<Answer>,
  attempts: Attempt[],
  isFinal: (a: Answer) => boolean = (a) => a.status < 500,
): Promise<Answer | undefined> {
  const started = Date.now();
  let last: Answer | undefined;
  for (let n = 1; ; n++) {
    const at = Date.now();
    let retryAfterS: number | undefined;
    try {
      const answer = await attempt(policy.attemptTimeoutMs);
      const message = answer.status >= 500 ? String(answer.body?.error?.message ?? answer.body?.message ?? '').slice(0, 300) : '';
      attempts.push({ at, ms: Date.now() - at, status: answer.status, ...(answer.code ? { code: answer.code } : {}), ...(message ? { message } : {}), ...(answer.replayed ? { replayed: true } : {}) });
      last = answer;
      if (isFinal(answer)) return answer;
      retryAfterS = answer.retryAfterS;
    } catch (e) {
      attempts.push({ at, ms: Date.now() - at, error: errorText(e) });
    }
    // Out of budget: the last answer if it was not a 5xx (a 207 whose failed parts stayed failed), else unknown.
    if (Date.now() - started > policy.budgetMs) return last && last.status < 500 ? last : undefined;
    const backoff = Math.min(4000, 250 * 2 ** Math.min(n - 1, 5)) * (0.5 + Math.random());
    await sleep(Math.max(backoff, (retryAfterS ?? 0) * 1000));
  }
}

export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  const cause = e.cause instanceof Error ? ((e.cause as { code?: string }).code ?? e.cause.message) : undefined;
  return cause ? `${e.message} (${cause})` : e.message;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One REST call: JSON in and out, with the headers a careful client sends. */
export async function restCall(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; key?: string; correlationId?: string; ifMatch?: number; timeoutMs: number },
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.key) headers['idempotency-key'] = options.key;
  if (options.correlationId) headers['x-correlation-id'] = options.correlationId;
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  return {
    status: res.status,
    body,
    code: body?.error?.code,
    replayed: res.headers.get('idempotent-replayed') === 'true',
    retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  };
}
