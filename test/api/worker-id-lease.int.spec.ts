import { randomUUID } from 'node:crypto';
import { MysqlWorkerIdLeaseStore } from '@shardline/ids/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { ChildApp } from '../support/child-app';
import { freePort } from '../support/free-port';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

const workerOf = (id: string) => Number((BigInt(id) >> 12n) & 1023n);
const holder = () => ({ token: randomUUID(), name: 'test' });

/**
 * Security and operations issue, resilience: Snowflake worker ids are leased in the control
 * database, so two running processes can never mint ids with the same worker id — even when both
 * are configured with the same SHARDLINE_WORKER_ID.
 */
describe('Snowflake worker-id leases', () => {
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

  it('gives two api processes configured with the same worker id different ones, and their ids never collide', async () => {
    const ports = [await freePort(), await freePort()];
    const apis = ports.map((port) =>
      ChildApp.fromSource('api', 'apps/api/src/main.ts', {
        SHARDLINE_SHARDS: dbs.shardUrls(),
        SHARDLINE_CONTROL_URL: dbs.controlUrl(),
        SHARDLINE_HTTP_HOST: '127.0.0.1',
        SHARDLINE_HTTP_PORT: String(port),
        SHARDLINE_SAGAS_ENABLED: 'false',
        SHARDLINE_ACCESS_LOG: 'off',
        SHARDLINE_WORKER_ID: '5',
      }).start(),
    );
    try {
      await Promise.all(apis.map((api, i) => api.waitUntilReady(`http://127.0.0.1:${ports[i]}/health/ready`)));
      const leases: Array<{ worker_id: number; holder_name: string }> = await databases.control('snowflake_worker_leases').select('worker_id', 'holder_name');
      expect(leases).toHaveLength(2);
      const leased = leases.map((l) => Number(l.worker_id));
      expect(leased).toContain(5);
      expect(new Set(leased).size).toBe(2);
      for (const lease of leases) expect(lease.holder_name).toMatch(/^api@.+:\d+$/);

      const tag = randomUUID().slice(0, 8);
      const createMany = (port: number) =>
        Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const response = await fetch(`http://127.0.0.1:${port}/api/v1/data/single`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ business_id: `wl-${tag}-${i % 7}`, user_id: 1, data_content: { i } }),
            });
            const body = (await response.json()) as { id?: string };
            if (response.status !== 201) throw new Error(`expected 201, got ${response.status}: ${JSON.stringify(body)}`);
            return body.id!;
          }),
        );
      const [a, b] = await Promise.all(ports.map(createMany));
      expect(new Set([...a, ...b]).size).toBe(200);
      const workersA = new Set(a.map(workerOf));
      const workersB = new Set(b.map(workerOf));
      expect(workersA.size).toBe(1);
      expect(workersB.size).toBe(1);
      expect([...workersA][0]).not.toBe([...workersB][0]);

      // A graceful stop gives the id back at once: a third process configured with it gets it.
      const first = [...workersA][0] === 5 ? 0 : 1;
      await apis[first].stop('SIGTERM', 20_000);
      const store = new MysqlWorkerIdLeaseStore(databases.control);
      expect(await store.acquire(holder(), 60_000, 5)).toBe(5);
    } finally {
      await Promise.all(apis.map((api) => api.stop('SIGKILL')));
    }
  }, 120_000);
});
