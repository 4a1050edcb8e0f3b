import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets are stored as scrypt hashes with a per-key random salt, in a self-describing string
 * `scrypt$N$r$p$<salt>$<hash>` (base64url), so the cost can be raised later without a migration:
 * old hashes keep verifying with their own parameters. N=2^14, r=8, p=1 is Node's default cost
 * (~16 MiB, tens of ms); the verifier caches results, so it is paid once per key per cache period.
 */
const DEFAULT_COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

function derive(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, HASH_BYTES, { ...options, maxmem: 128 * (options.N ?? 16384) * (options.r ?? 8) * 2 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashSecret(secret: string, cost: { N: number; r: number; p: number } = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** True when `secret` hashes to `stored`; false for a wrong secret or an unreadable stored hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every(Number.isInteger)) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  const actual = await derive(secret, Buffer.from(parts[4], 'base64url'), { N, r, p });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
