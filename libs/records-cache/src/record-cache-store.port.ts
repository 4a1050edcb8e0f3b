/**
 * The shared (cross-process) half of the read cache. Every record has a GENERATION TOKEN: a
 * random value created when a reader first looks the record up, and destroyed by every write
 * (invalidate). Tokens are never reused, so "the token is still X" proves "no write invalidated
 * this record since X was observed". A cached state is stored and served only under the token
 * that was current BEFORE the state was read from the shard.
 */
export type CacheLookup =
  /** The caller's local copy (knownToken) is still current: serve it. */
  | { kind: 'current'; token: string }
  /** A copy stored under the current token. */
  | { kind: 'hit'; token: string; payload: string }
  /** Nothing stored under the current token; read the shard, then fill under `token`. */
  | { kind: 'miss'; token: string }
  /**
   * A writer's lease has run out (docs/adr/0006): it may have acknowledged a write whose
   * invalidation is still pending. Read the shard, serve no copy and store none.
   */
  | { kind: 'fenced' };

export interface RecordCacheStore {
  /** One round trip. Creates the record's token when it has none (unless fenced). */
  lookup(key: string, knownToken: string | null): Promise<CacheLookup>;
  /** Stores `payload` only if `token` is still current; false when a write came in between. */
  fill(key: string, token: string, payload: string): Promise<boolean>;
  /** Ends the record's current generation: every copy of it, in every process, stops being served. */
  invalidate(key: string): Promise<void>;
}

/** Business ids may hold any character; ids are digits, so `${id}:${businessId}` cannot collide. */
export function recordCacheKey(prefix: string, businessId: string, id: string): string {
  return `${prefix}${id}:${businessId}`;
}
