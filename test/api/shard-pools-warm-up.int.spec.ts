import { ShardDatabases } from '@shardline/sharding/mysql';
import { freePort } from '../support/free-port';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * Connections the server sees on `database` (other than the one asking), once it settles on
 * `expected` or after 3 s: the server ends the threads of a pool closed by the previous test
 * asynchronously, so they may still be listed for a moment.
 */
async function serverConnections(admin: ShardDatabases, database: string, expected: number): Promise<number> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const [rows] = await admin.control.raw('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [database]);
    const n = Number((rows as Array<{ n: number }>)[0].n);
    if (n === expected || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('shard pools open their connections at startup (warmUp)', () => {
  let dbs: TestDatabases;
  let admin: ShardDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    admin = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await admin?.destroy();
    await dbs?.drop();
  });

  it('opens the writer and reader connections asked for per shard, at most poolMax each, and keeps them', async () => {
    const databases = new ShardDatabases({ ...dbs.config, poolMax: 3 });
    try {
      for (const shard of dbs.config.shards) expect(await serverConnections(admin, shard.database, 0)).toBe(0);
      expect(await databases.warmUp({ writers: 2, readers: 2 })).toEqual([
        { shard: 0, status: 'up' },
        { shard: 1, status: 'up' },
      ]);
      for (const shard of dbs.config.shards) expect(await serverConnections(admin, shard.database, 4)).toBe(4);
      // Never beyond the pools' limits.
      await databases.warmUp({ writers: 50, readers: 50 });
      for (const shard of dbs.config.shards) expect(await serverConnections(admin, shard.database, 6)).toBe(6);
    } finally {
      await databases.destroy();
    }
  });

  it('by default (a read-only app) only two knex connections', async () => {
    const databases = new ShardDatabases({ ...dbs.config, poolMax: 3 });
    try {
      await databases.warmUp();
      for (const shard of dbs.config.shards) expect(await serverConnections(admin, shard.database, 2)).toBe(2);
    } finally {
      await databases.destroy();
    }
  });

  it('connections that did open go back to the pool when others fail (a shard near its connection limit)', async () => {
    // An account limited to 2 connections: of 4 writer connections asked for, 2 open and 2 fail.
    const user = `warm_${Math.random().toString(36).slice(2, 8)}`;
    const shard0 = dbs.config.shards[0];
    for (const host of ['127.0.0.1', 'localhost']) {
      await admin.control.raw(`CREATE USER '${user}'@'${host}' IDENTIFIED BY 'pw' WITH MAX_USER_CONNECTIONS 2`);
      await admin.control.raw(`GRANT ALL ON \`${shard0.database}\`.* TO '${user}'@'${host}'`);
    }
    const limited = { ...shard0, user, password: 'pw' };
    const databases = new ShardDatabases({ ...dbs.config, shards: [limited], poolMax: 4 });
    try {
      const [probe] = await databases.warmUp({ writers: 4, readers: 0 });
      expect(probe).toMatchObject({ shard: 0, status: 'down', error: expect.stringContaining('max_user_connections') });
      // The two that opened are free again: the writer pool still works within the account's limit.
      const [rows] = await databases.writer(0).query('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await databases.destroy();
      for (const host of ['127.0.0.1', 'localhost']) await admin.control.raw(`DROP USER IF EXISTS '${user}'@'${host}'`);
    }
  });

  it('a shard that is down is reported, not thrown, and the others are warmed', async () => {
    const closedPort = await freePort();
    const databases = new ShardDatabases({ ...dbs.withShardAt(1, '127.0.0.1', closedPort), poolMax: 2 });
    try {
      const [up, down] = await databases.warmUp({ writers: 2, readers: 2 });
      expect(up).toEqual({ shard: 0, status: 'up' });
      expect(down).toMatchObject({ shard: 1, status: 'down', error: expect.stringContaining('ECONNREFUSED') });
      expect(await serverConnections(admin, dbs.config.shards[0].database, 4)).toBe(4);
    } finally {
      await databases.destroy();
    }
  });
});
