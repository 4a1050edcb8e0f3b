const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Tokens a request costs, decided from its headers before the body is read: 1, or for a write
 * with a body one token per `bytesPerToken` of its declared Content-Length (a batch of 1,000
 * records of ~1 KiB costs 10 with the default 100 KiB). A chunked body (no length) costs 1: its
 * size is unknown until it is read, and the write admission still bounds what it may hold.
 * Capped at `maxCost` (the role's per-second rate), so any request within the body limit can be
 * admitted once the bucket is full.
 */
export function requestCost(method: string, contentLength: string | undefined, bytesPerToken: number, maxCost: number): number {
  if (!BODY_METHODS.has(method) || contentLength === undefined) return 1;
  const bytes = Number(contentLength);
  if (!Number.isFinite(bytes) || bytes <= 0) return 1; // malformed lengths are refused by Node/Fastify
  return Math.min(Math.max(1, Math.ceil(bytes / bytesPerToken)), maxCost);
}
