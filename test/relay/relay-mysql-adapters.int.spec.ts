import { MysqlOutboxSource, MysqlShardLease, relayLockName } from '@shardline/outbox-relay/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

const LEASE = { connectTimeoutMs: 1500, queryTimeoutMs: 3000 };

describe('relay MySQL adapters (MariaDB)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  describe('MysqlShardLease (GET_LOCK on a dedicated connection)', () => {
    it('is held by one contender at a time; killing the holder\'s connection frees it and the holder knows at once', async () => {
      const first = new MysqlShardLease(0, dbs.config.shards[0], LEASE);
      const second = new MysqlShardLease(0, dbs.config.shards[0], LEASE);
      try {
        expect(await first.tryAcquire()).toBe(true);
        expect(await second.tryAcquire()).toBe(false);
        expect(await first.isHeld()).toBe(true);
        expect(await second.isHeld()).toBe(false);

        // The holder's connection dies (what kill -9 of the process or a network cut does to the server side).
        const [rows] = await databases.shard(0).raw('SELECT IS_USED_LOCK(?) AS holder', [first.lockName]);
        await databases.shard(0).raw(`KILL CONNECTION ${Number(rows[0].holder)}`);

        expect(await first.isHeld()).toBe(false);
        await waitFor('the standby acquires the freed lock', () => second.tryAcquire(), { timeoutMs: 10_000 });
        expect(await first.tryAcquire()).toBe(false); // reconnects, finds it taken

        await second.release();
        expect(await first.tryAcquire()).toBe(true);
      } finally {
        await first.release();
        await second.release();
      }
    });

    it('a holder that vanishes without a TCP reset (frozen network) loses the lock after the session timeout, not hours later', async () => {
      const target = dbs.config.shards[0];
      const proxy = new TcpProxy(target.host, target.port);
      const port = await proxy.start();
      const holder = new MysqlShardLease(0, { ...target, port }, { ...LEASE, queryTimeoutMs: 500, sessionTimeoutS: 2 });
      const standby = new MysqlShardLease(0, target, LEASE);
      try {
        expect(await holder.tryAcquire()).toBe(true);
        proxy.freeze(); // nothing more reaches the server from the holder, and nothing closes its connection
        expect(await standby.tryAcquire()).toBe(false);
        const started = Date.now();
        await waitFor('the standby to take the lock', () => standby.tryAcquire(), { timeoutMs: 15_000, intervalMs: 250 });
        expect(Date.now() - started).toBeLessThan(6_000);
        expect(await holder.isHeld()).toBe(false); // the holder, cut off, never believes it still holds it
      } finally {
        proxy.thaw();
        await holder.release();
        await standby.release();
        await proxy.stop();
      }
    });

    it('reports "not held" instead of throwing when the server cannot be reached', async () => {
      const lease = new MysqlShardLease(0, { ...dbs.config.shards[0], port: 1 }, LEASE);
      expect(await lease.tryAcquire()).toBe(false);
      expect(await lease.isHeld()).toBe(false);
      await lease.release();
    });

    it('names the lock after the database, hashed when longer than GET_LOCK allows', () => {
      expect(relayLockName('data_db_3')).toBe('shardline-relay:data_db_3');
      const long = relayLockName('x'.repeat(64));
      expect(long.length).toBeLessThanOrEqual(64);
      expect(long).not.toBe(relayLockName('y'.repeat(64)));
    });
  });

  describe('MysqlOutboxSource.backlog', () => {
    it('counts exactly up to the cap, then estimates from the id span; age from the oldest row', async () => {
      const db = databases.shard(0);
      const oldest = new Date(Date.now() - 90_000);
      const rows = Array.from({ length: 12 }, (_, i) => ({
        stream_id: `s-${i}`,
        stream_version: 1,
        month_key: 202601,
        partition_key: 'b',
        created_time: i === 0 ? oldest : new Date(),
      }));
      await db('outbox').insert(rows);
      const [{ minId }] = await db('outbox').min({ minId: 'id' });
      await db('outbox').where('id', '=', Number(minId) + 5).delete(); // a hole: 11 rows over a span of 12 ids

      expect(await new MysqlOutboxSource(databases, 0, { backlogCountCap: 100 }).backlog()).toEqual({
        rows: 11,
        estimated: false,
        oldestCreatedTime: new Date(Math.floor(oldest.getTime())),
      });
      const capped = await new MysqlOutboxSource(databases, 0, { backlogCountCap: 5 }).backlog();
      expect(capped).toMatchObject({ rows: 12, estimated: true });
      await db('outbox').delete();
      expect(await new MysqlOutboxSource(databases, 0).backlog()).toEqual({ rows: 0, estimated: false, oldestCreatedTime: null });
    });
  });
});
