import { randomUUID } from 'node:crypto';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { startApi } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { freePort } from '../support/free-port';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { waitFor } from '../support/wait-for';

const CLIENTS = 16;
const LOAD_BEFORE_SIGTERM_MS = 1_500;

type Outcome = { key: string; businessId: string; status: number | 'network-error'; id?: string; code?: string };

/**
 * Integrity issue: SIGTERM of an api under load must drain its group commits — every answered
 * 201 is stored, the process exits 0 on its own, and a request cut off by the shutdown is one a
 * client can retry with its Idempotency-Key to get exactly one record.
 */
describe('the api stopped with SIGTERM under load', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('stores every acknowledged write, exits cleanly, and leaves nothing a keyed retry cannot complete exactly once', async () => {
    const port = await freePort();
    const api = ChildApp.fromSource('api', 'apps/api/src/main.ts', {
      SHARDLINE_SHARDS: dbs.shardUrls(),
      SHARDLINE_CONTROL_URL: dbs.controlUrl(),
      SHARDLINE_HTTP_HOST: '127.0.0.1',
      SHARDLINE_HTTP_PORT: String(port),
      SHARDLINE_SAGAS_ENABLED: 'false',
      SHARDLINE_ACCESS_LOG: 'off',
      SHARDLINE_WORKER_ID: '611',
    }).start();
    const outcomes: Outcome[] = [];
    const tag = randomUUID().slice(0, 8);
    let stopping = false;
    try {
      await api.waitUntilReady(`http://127.0.0.1:${port}/health/ready`);
      const body = (businessId: string, key: string) => JSON.stringify({ business_id: businessId, user_id: 7, data_content: { key } });
      const client = async (c: number) => {
        // Keeps sending until a request fails at the network level after the SIGTERM (the server is gone).
        for (let i = 0; ; i++) {
          const key = `gs-${tag}-${c}-${i}`;
          const businessId = `gs-${tag}-${c % 8}`;
          const outcome: Outcome = { key, businessId, status: 'network-error' };
          outcomes.push(outcome);
          try {
            const response = await fetch(`http://127.0.0.1:${port}/api/v1/data/single`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': key },
              body: body(businessId, key),
            });
            outcome.status = response.status;
            const json = (await response.json()) as { id?: string; error?: { code: string } };
            outcome.id = json.id;
            outcome.code = json.error?.code;
          } catch {
            if (stopping) return;
          }
        }
      };
      const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      await new Promise((r) => setTimeout(r, LOAD_BEFORE_SIGTERM_MS));
      // A busy machine may need longer for the first answers: SIGTERM only once writes are being acknowledged.
      await waitFor('writes acknowledged before SIGTERM', () => outcomes.some((o) => o.status === 201), { timeoutMs: 30_000 });
      const answeredBefore = outcomes.filter((o) => o.status === 201).length;
      stopping = true;
      const started = Date.now();
      await api.stop('SIGTERM', 20_000);
      const stopMs = Date.now() - started;
      await load;

      expect(answeredBefore).toBeGreaterThan(0);
      if (api.exitCode !== 0) throw new Error(`api exited with ${api.exitCode} after SIGTERM:\n${api.log()}`);
      expect(stopMs).toBeLessThan(15_000);
      // Besides 201 and requests cut off: the shutdown may refuse work (503 SERVER.SHUTTING_DOWN, in the error envelope), never answer otherwise.
      const unexpected = outcomes.filter((o) => o.status !== 201 && o.status !== 'network-error' && !(o.status === 503 && o.code === 'SERVER.SHUTTING_DOWN'));
      expect(unexpected).toEqual([]);

      // Acknowledged means stored: every 201's record has its creation event, once.
      const acknowledged = outcomes.filter((o) => o.status === 201);
      const stored = await eventCounts(acknowledged.map((o) => `record-${o.id}`));
      expect(acknowledged.filter((o) => stored.get(`record-${o.id}`) !== 1)).toEqual([]);

      // What the shutdown cut off is completed by a keyed retry on a fresh api, exactly once per key.
      const retryApi = await startApi(dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false' });
      try {
        for (const o of outcomes.filter((x) => x.status !== 201)) {
          const response = await retryApi.request('POST', '/api/v1/data/single', JSON.parse(body(o.businessId, o.key)), { 'idempotency-key': o.key });
          if (response.status !== 201) throw new Error(`retry of ${o.key}: HTTP ${response.status}: ${JSON.stringify(response.body)}`);
        }
        // A replayed retry answers the first 201 again, so retried 201s must not add a second record.
        for (const o of acknowledged) {
          const replay = await retryApi.request('POST', '/api/v1/data/single', JSON.parse(body(o.businessId, o.key)), { 'idempotency-key': o.key });
          if (replay.status !== 201 || replay.body.id !== o.id) throw new Error(`replay of ${o.key}: HTTP ${replay.status}: ${JSON.stringify(replay.body)}`);
        }
      } finally {
        await retryApi.close();
      }
      expect(await recordCount(`gs-${tag}-`)).toBe(outcomes.length);
    } finally {
      await api.kill9();
    }
  });

  async function eventCounts(streamIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const shard of databases.shardIndexes()) {
      for (let i = 0; i < streamIds.length; i += 500) {
        const [rows] = await databases.shard(shard).raw('SELECT stream_id, COUNT(*) AS n FROM events WHERE stream_id IN (?) GROUP BY stream_id', [streamIds.slice(i, i + 500)]);
        for (const r of rows as Array<{ stream_id: string; n: number }>) counts.set(r.stream_id, (counts.get(r.stream_id) ?? 0) + Number(r.n));
      }
    }
    return counts;
  }

  async function recordCount(businessPrefix: string): Promise<number> {
    let n = 0;
    for (const shard of databases.shardIndexes()) {
      const [rows] = await databases.shard(shard).raw('SELECT COUNT(*) AS n FROM records WHERE business_id LIKE ?', [`${businessPrefix}%`]);
      n += Number(rows[0].n);
    }
    return n;
  }
});
