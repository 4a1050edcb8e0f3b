import { randomBytes } from 'node:crypto';

/**
 * The key a client sends: `sl_<keyId>_<secret>`. The key id (16 hex characters) is public — it is
 * the `actor` of events and the handle operators list and revoke — and lets the server find the one
 * stored hash to check; the secret is 32 random bytes (base64url, 43 characters), never stored.
 */
export interface ApiKeyToken {
  keyId: string;
  secret: string;
}

const TOKEN_PATTERN = /^sl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function newApiKeyToken(): ApiKeyToken & { token: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, token: `sl_${keyId}_${secret}` };
}

export function parseApiKeyToken(token: string): ApiKeyToken | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { keyId: match[1], secret: match[2] } : null;
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or null. */
export function bearerTokenOf(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
