import Fastify, { type FastifyInstance } from 'fastify';
import { ApiKeys } from '../api-keys';
import type { ApiKeyRecord, ApiKeyStore } from '../api-keys.port';
import { KeyVerifier } from '../key-verifier';
import { authenticateRequests, routePolicyOf } from './authenticate-requests';
import { principalOf } from './principal-of';

class MemoryStore implements ApiKeyStore {
  readonly keys = new Map<string, ApiKeyRecord>();
  down = false;
  async insert(key: ApiKeyRecord) {
    this.keys.set(key.keyId, key);
  }
  async find(keyId: string) {
    if (this.down) throw new Error('control database unreachable');
    return this.keys.get(keyId) ?? null;
  }
  async list() {
    return [...this.keys.values()];
  }
  async revoke() {
    return false;
  }
  async any() {
    return this.keys.size > 0;
  }
}

describe('authenticateRequests (the first onRequest hook)', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let writer: string;
  let seenByLaterHook: unknown;

  beforeEach(async () => {
    store = new MemoryStore();
    writer = (await new ApiKeys(store).create({ name: 'w', roles: ['writer'] })).token;
    app = Fastify();
    authenticateRequests(app, new KeyVerifier(store, { ttlMs: 0, maxEntries: 10 }), routePolicyOf({ 'GET /health': 'open', 'POST /write': ['writer'], 'GET /admin-only': ['admin'] }));
    // What the rate limiter will do: a later onRequest hook reading the caller.
    app.addHook('onRequest', async (request) => {
      seenByLaterHook = principalOf(request);
    });
    app.get('/health', async () => ({ ok: true }));
    app.post('/write', async (request) => ({ actor: principalOf(request)?.keyId }));
    app.get('/admin-only', async () => ({}));
    app.get('/unlisted', async () => ({}));
  });
  afterEach(() => app.close());

  const post = (authorization?: string) => app.inject({ method: 'POST', url: '/write', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, payload: '{"a":1}' });

  it('hands the principal to later hooks and the handler', async () => {
    const response = await post(`Bearer ${writer}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().actor).toMatch(/^[0-9a-f]{16}$/);
    expect(seenByLaterHook).toMatchObject({ keyId: response.json().actor, roles: ['writer'] });
  });

  it('answers 401 with the envelope before the body is read, 403 for a missing role, admin for unlisted routes', async () => {
    const missing = await app.inject({ method: 'POST', url: '/write', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { code: 'AUTH.KEY_MISSING', message: expect.any(String), details: [{ field: 'Authorization', message: expect.any(String) }] } });
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect((await app.inject({ method: 'GET', url: '/admin-only', headers: { authorization: `Bearer ${writer}` } })).json().error.code).toBe('AUTH.ROLE_REQUIRED');
    expect((await app.inject({ method: 'GET', url: '/unlisted', headers: { authorization: `Bearer ${writer}` } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/nowhere', headers: { authorization: `Bearer ${writer}` } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('answers 503 AUTH.UNAVAILABLE with Retry-After when the key store cannot be read', async () => {
    store.down = true;
    const response = await post(`Bearer ${writer}`);
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('AUTH.UNAVAILABLE');
    expect(response.headers['retry-after']).toBe('1');
  });
});
