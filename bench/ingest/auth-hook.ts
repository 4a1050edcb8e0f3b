/**
 * The auth hook's own CPU per request, in-process and without the network or MySQL: Fastify
 * `inject` of a trivial POST, without the hook and with it (a cached writer key), in interleaved
 * rounds. `bench:ingest`'s A/B measures the whole path but swings with the machine's load; this
 * isolates what authentication adds per request, to set beside the API's CPU per record.
 * Run: scripts/with-node tsx bench/ingest/auth-hook.ts
 */
import Fastify from 'fastify';
import { ApiKeys, type ApiKeyRecord, type ApiKeyStore, authenticateRequests, KeyVerifier, routePolicyOf } from '@shardline/auth';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

class MemoryStore implements ApiKeyStore {
  private readonly keys = new Map<string, ApiKeyRecord>();
  async insert(key: ApiKeyRecord) {
    this.keys.set(key.keyId, key);
  }
  async find(keyId: string) {
    return this.keys.get(keyId) ?? null;
  }
  async list() {
    return [...this.keys.values()];
  }
  async revoke() {
    return false;
  }
  async any() {
    return true;
  }
}

async function appWith(auth: boolean, store: MemoryStore) {
  const app = Fastify();
  if (auth) authenticateRequests(app, new KeyVerifier(store, { ttlMs: 60_000, maxEntries: 10_000 }), routePolicyOf({ 'POST /w': ['writer'] }));
  app.post('/w', async () => ({ ok: true }));
  await app.ready();
  return app;
}

async function cpuPerRequest(app: Awaited<ReturnType<typeof appWith>>, authorization: string): Promise<number> {
  const headers = { 'content-type': 'application/json', authorization };
  for (let i = 0; i < 1000; i++) await app.inject({ method: 'POST', url: '/w', headers, payload: '{"a":1}' }); // warm-up
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const r = await app.inject({ method: 'POST', url: '/w', headers, payload: '{"a":1}' });
    if (r.statusCode !== 200) throw new Error(`unexpected ${r.statusCode}: ${r.body}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / REQUESTS;
}

async function main(): Promise<void> {
  const store = new MemoryStore();
  const { token } = await new ApiKeys(store).create({ name: 'bench', roles: ['writer'] });
  const off = await appWith(false, store);
  const on = await appWith(true, store);
  const results = { off: [] as number[], on: [] as number[] };
  // Round 0 warms both up (JIT) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const [o, n] = [await cpuPerRequest(off, `Bearer ${token}`), await cpuPerRequest(on, `Bearer ${token}`)];
    if (round === 0) continue;
    results.off.push(o);
    results.on.push(n);
    console.log(`round ${round}: CPU per request without auth ${results.off.at(-1)!.toFixed(1)} µs, with ${results.on.at(-1)!.toFixed(1)} µs`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const added = mean(results.on) - mean(results.off);
  console.log(`auth hook adds ${added.toFixed(1)} µs CPU per request (${REQUESTS} requests x ${ROUNDS} rounds, key cached); ratio with/without on this trivial route ${(mean(results.off) / mean(results.on)).toFixed(2)}`);
  await Promise.all([off.close(), on.close()]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
