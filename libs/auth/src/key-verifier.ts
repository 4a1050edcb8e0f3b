import { LRUCache } from 'lru-cache';
import { parseApiKeyToken } from './api-key-token';
import type { ApiKeyStore } from './api-keys.port';
import { UnauthenticatedError } from './auth.errors';
import { verifySecret } from './key-hashing';
import type { Principal } from './roles';

export interface KeyVerifierOptions {
  /**
   * How long a verification result is reused. A revoked key keeps working at most this long in a
   * process that verified it just before (default 5 s: SHARDLINE_AUTH_CACHE_TTL_MS).
   */
  ttlMs: number;
  /** Distinct tokens remembered per process (least recently used forgotten first). */
  maxEntries: number;
  /** Milliseconds, monotonic (a seam for tests). */
  clock?: () => number;
}

type Verdict = Principal | UnauthenticatedError;

/**
 * Turns a bearer token into a Principal, or an UnauthenticatedError. A verification costs a
 * control-database read and a scrypt hash (tens of ms); its result — success or failure — is kept
 * in a bounded LRU for `ttlMs`, keyed by the whole token, so a busy client pays it once per period
 * and a flood of one bad token costs one verification per period too. Concurrent first requests
 * with the same token share one verification. Tokens are 256-bit random secrets: caching by token
 * gives nothing a guesser can use. A store failure is not cached (it is thrown: 503).
 */
export class KeyVerifier {
  private readonly verdicts: LRUCache<string, { verdict: Verdict; until: number }>;
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private readonly inFlight = new Map<string, Promise<Verdict>>();

  constructor(
    private readonly store: ApiKeyStore,
    options: KeyVerifierOptions,
  ) {
    this.verdicts = new LRUCache({ max: options.maxEntries });
    this.ttlMs = options.ttlMs;
    this.clock = options.clock ?? (() => performance.now());
  }

  /** The principal of `token`; throws UnauthenticatedError (401) or the store's error. */
  async verify(token: string): Promise<Principal> {
    const verdict = this.cached(token) ?? (await this.verifyOnce(token));
    if (verdict instanceof UnauthenticatedError) throw verdict;
    return verdict;
  }

  /** The cached principal of `token` when one is known (a synchronous fast path for hooks). */
  cached(token: string): Verdict | undefined {
    const entry = this.verdicts.get(token);
    if (entry && entry.until > this.clock()) return entry.verdict;
    return undefined;
  }

  private verifyOnce(token: string): Promise<Verdict> {
    let pending = this.inFlight.get(token);
    if (!pending) {
      pending = this.check(token)
        .then((verdict) => {
          this.verdicts.set(token, { verdict, until: this.clock() + this.ttlMs });
          return verdict;
        })
        .finally(() => this.inFlight.delete(token));
      this.inFlight.set(token, pending);
    }
    return pending;
  }

  private async check(token: string): Promise<Verdict> {
    const parsed = parseApiKeyToken(token);
    if (!parsed) return new UnauthenticatedError('AUTH.KEY_INVALID', 'the API key is not of the form sl_<key id>_<secret>');
    const record = await this.store.find(parsed.keyId);
    if (!record || !(await verifySecret(parsed.secret, record.secretHash))) {
      return new UnauthenticatedError('AUTH.KEY_INVALID', `unknown API key ${parsed.keyId} (or a wrong secret)`);
    }
    if (record.revokedAt) return new UnauthenticatedError('AUTH.KEY_REVOKED', `API key ${parsed.keyId} was revoked at ${record.revokedAt.toISOString()}`);
    return { keyId: record.keyId, roles: record.roles, businessPrefixes: record.businessPrefixes };
  }
}
