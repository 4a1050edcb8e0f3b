import { ApiKeys } from './api-keys';
import type { ApiKeyRecord, ApiKeyStore } from './api-keys.port';
import { parseApiKeyToken } from './api-key-token';
import { KeyVerifier } from './key-verifier';
import { hashSecret, verifySecret } from './key-hashing';

/** An in-memory store that counts lookups (the cache must spare them). */
class CountingStore implements ApiKeyStore {
  readonly keys = new Map<string, ApiKeyRecord>();
  finds = 0;
  failing = false;
  async insert(key: ApiKeyRecord) {
    this.keys.set(key.keyId, { ...key });
  }
  async find(keyId: string) {
    this.finds++;
    if (this.failing) throw new Error('control database down');
    return this.keys.get(keyId) ?? null;
  }
  async list() {
    return [...this.keys.values()];
  }
  async revoke(keyId: string, at: Date) {
    const key = this.keys.get(keyId);
    if (key) key.revokedAt ??= at;
    return key !== undefined;
  }
  async any() {
    return this.keys.size > 0;
  }
}

describe('key hashing (scrypt, per-key salt)', () => {
  it('verifies the secret it hashed and nothing else; two hashes of one secret differ (salt)', async () => {
    const a = await hashSecret('s3cret');
    const b = await hashSecret('s3cret');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    await expect(verifySecret('s3cret', a)).resolves.toBe(true);
    await expect(verifySecret('s3cret!', a)).resolves.toBe(false);
  });

  it('keeps verifying a hash made with other parameters (cost can be raised without a migration)', async () => {
    const cheap = await hashSecret('x', { N: 1024, r: 8, p: 1 });
    await expect(verifySecret('x', cheap)).resolves.toBe(true);
  });

  it('refuses an unreadable stored hash', async () => {
    await expect(verifySecret('x', 'bcrypt$whatever')).resolves.toBe(false);
    await expect(verifySecret('x', 'scrypt$a$b$c$d$e')).resolves.toBe(false);
  });
});

describe('KeyVerifier', () => {
  let now = 0;
  beforeEach(() => {
    now = 1_000_000;
  });

  async function setup(ttlMs = 5000) {
    const store = new CountingStore();
    const created = await new ApiKeys(store).create({ name: 't', roles: ['writer'], business_prefixes: ['acme'] });
    return { store, created, verifier: new KeyVerifier(store, { ttlMs, maxEntries: 2, clock: () => now }) };
  }

  it('answers the principal of a good key, then serves it from the cache', async () => {
    const { store, created, verifier } = await setup();
    await expect(verifier.verify(created.token)).resolves.toEqual({ keyId: created.key_id, roles: ['writer'], businessPrefixes: ['acme'] });
    await verifier.verify(created.token);
    expect(store.finds).toBe(1);
    expect(verifier.cached(created.token)).toMatchObject({ keyId: created.key_id });
  });

  it('shares one verification between concurrent first requests', async () => {
    const { store, created, verifier } = await setup();
    await Promise.all([verifier.verify(created.token), verifier.verify(created.token), verifier.verify(created.token)]);
    expect(store.finds).toBe(1);
  });

  it('refuses malformed, unknown and wrong-secret keys with AUTH.KEY_INVALID, and caches the refusal', async () => {
    const { store, created, verifier } = await setup();
    await expect(verifier.verify('nope')).rejects.toMatchObject({ code: 'AUTH.KEY_INVALID', kind: 'unauthenticated' });
    const wrong = `sl_${created.key_id}_${'A'.repeat(43)}`;
    await expect(verifier.verify(wrong)).rejects.toMatchObject({ code: 'AUTH.KEY_INVALID' });
    await expect(verifier.verify(`sl_0000000000000000_${'A'.repeat(43)}`)).rejects.toMatchObject({ code: 'AUTH.KEY_INVALID' });
    const finds = store.finds;
    await expect(verifier.verify(wrong)).rejects.toMatchObject({ code: 'AUTH.KEY_INVALID' });
    expect(store.finds).toBe(finds);
  });

  it('honours a revocation once the cached verdict expires (the documented bound), not before', async () => {
    const { store, created, verifier } = await setup(5000);
    await verifier.verify(created.token);
    await store.revoke(created.key_id, new Date());
    now += 4999;
    await expect(verifier.verify(created.token)).resolves.toMatchObject({ keyId: created.key_id });
    now += 2;
    await expect(verifier.verify(created.token)).rejects.toMatchObject({ code: 'AUTH.KEY_REVOKED' });
  });

  it('forgets the least recently used token beyond maxEntries', async () => {
    const { store, created, verifier } = await setup();
    await verifier.verify(created.token);
    await verifier.verify('bad-1').catch(() => undefined);
    await verifier.verify('bad-2').catch(() => undefined);
    expect(verifier.cached(created.token)).toBeUndefined();
    await verifier.verify(created.token);
    expect(store.finds).toBe(2);
  });

  it('does not cache a store failure: it is thrown, and the next request asks again', async () => {
    const { store, created, verifier } = await setup();
    store.failing = true;
    await expect(verifier.verify(created.token)).rejects.toThrow('control database down');
    store.failing = false;
    await expect(verifier.verify(created.token)).resolves.toMatchObject({ keyId: created.key_id });
  });
});

describe('ApiKeys', () => {
  it('creates a key whose token is sl_<key id>_<secret>, stores only a hash of the secret', async () => {
    const store = new CountingStore();
    const created = await new ApiKeys(store).create({ name: 'ops', roles: ['admin', 'admin', 'reader'] });
    const parsed = parseApiKeyToken(created.token)!;
    expect(parsed.keyId).toBe(created.key_id);
    expect(created.roles).toEqual(['admin', 'reader']);
    expect(created.business_prefixes).toBeNull();
    const stored = store.keys.get(created.key_id)!;
    expect(JSON.stringify(stored)).not.toContain(parsed.secret);
    await expect(verifySecret(parsed.secret, stored.secretHash)).resolves.toBe(true);
  });

  it('refuses unknown roles, no roles, empty names and prefixes with control characters, naming the field', async () => {
    const keys = new ApiKeys(new CountingStore());
    await expect(keys.create({ name: 'x', roles: ['root'] })).rejects.toMatchObject({ kind: 'validation', details: [expect.objectContaining({ field: 'roles[0]' })] });
    await expect(keys.create({ name: 'x', roles: [] })).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'roles' })] });
    await expect(keys.create({ name: '', roles: ['reader'] })).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'name' })] });
    await expect(keys.create({ name: 'x', roles: ['reader'], business_prefixes: ['a\u0000'] })).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'business_prefixes[0]' })] });
  });
});
