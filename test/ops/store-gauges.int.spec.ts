import { Registry } from 'prom-client';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import { registerSagaStateMetrics, type SagaState } from '@shardline/sagas';
import { registerShardPoolMetrics, ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/** The gauges read from MariaDB at scrape time: pool occupancy and the open sagas of the control database. */
describe('gauges read from the stores (MariaDB)', () => {
  let dbs: TestDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
  });
  afterAll(async () => {
    await dbs?.drop();
  });

  it('shows a reader pool exhausted: connections in use and callers waiting, per shard', async () => {
    const databases = new ShardDatabases({ ...dbs.config, poolMax: 1 });
    const registry = new Registry();
    registerShardPoolMetrics(registry, databases);
    try {
      // The only connection of shard 1 sleeps; the next query of the shard waits for it.
      const held = databases.shard(1).raw('SELECT SLEEP(1)').then(() => undefined); // then(): knex runs a query only once it is awaited
      await new Promise((resolve) => setTimeout(resolve, 200));
      const waiting = databases.shard(1).raw('SELECT 1').then(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const text = await registry.metrics();
      expect(text).toContain('shardline_shard_pool_connections_in_use{pool="reader",shard="1"} 1');
      expect(text).toContain('shardline_shard_pool_waiting{pool="reader",shard="1"} 1');
      // The busy shard is not probed (the scrape would wait behind the held connection): no answer yet, not "down".
      expect(text).not.toContain('shardline_shard_up{shard="1"}');
      expect(text).toContain('shardline_shard_up{shard="0"} 1');
      expect(text).toContain('shardline_shard_pool_waiting{pool="reader",shard="0"} 0');
      expect(text).toContain('shardline_shard_pool_max{pool="reader",shard="1"} 1');
      await Promise.all([held, waiting]);
    } finally {
      await databases.destroy();
    }
  });

  it('reports a shard that cannot be reached as down, the others up', async () => {
    const unreachable = { ...dbs.config, shards: [dbs.config.shards[0], { ...dbs.config.shards[1], port: 1 }], connectTimeoutMs: 500 };
    const databases = new ShardDatabases(unreachable);
    const registry = new Registry();
    registerShardPoolMetrics(registry, databases);
    try {
      const text = await registry.metrics();
      expect(text).toContain('shardline_shard_up{shard="0"} 1');
      expect(text).toContain('shardline_shard_up{shard="1"} 0');
    } finally {
      await databases.destroy();
    }
  });

  it('counts open sagas by type and status from the control database, not the finished ones', async () => {
    const databases = new ShardDatabases(dbs.config);
    const store = new MysqlSagaStore(databases.control);
    const at = (iso: string, id: string, type: string, status: SagaState['status']): SagaState => ({
      id, type, status, input: null, cursor: 0, version: 1, attempts: 0, pivotPassed: false, results: {}, deadline: '2030-01-01T00:00:00.000Z',
      parkedFrom: status === 'parked' ? 'running' : null, reason: null, steps: [], failures: [], createdAt: iso, updatedAt: iso, finishedAt: status === 'completed' ? iso : null,
    });
    try {
      await store.create(at('2026-01-01T00:00:00.000Z', 's1', 'move-records', 'parked'));
      await store.create(at('2026-01-01T00:05:00.000Z', 's2', 'move-records', 'parked'));
      await store.create(at('2026-01-01T00:00:00.000Z', 's3', 'atomic-batch', 'completed'));
      expect(await store.countOpen()).toEqual([{ type: 'move-records', status: 'parked', count: 2, oldestUpdatedAt: new Date('2026-01-01T00:00:00.000Z') }]);
      const registry = new Registry();
      registerSagaStateMetrics(registry, store, () => new Date('2026-01-01T01:00:00.000Z'));
      const text = await registry.metrics();
      expect(text).toContain('shardline_sagas_open{type="move-records",status="parked"} 2');
      expect(text).toContain('shardline_sagas_oldest_unchanged_seconds{type="move-records",status="parked"} 3600');
    } finally {
      await databases.destroy();
    }
  });
});
