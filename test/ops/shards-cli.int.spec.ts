import { randomBytes } from 'node:crypto';
import { createServerPool, grantSlots, MysqlSlotMapStore, ownedSlots, revokeSlots, ShardDatabases } from '@shardline/sharding/mysql';
import { shardsCommand } from '../../apps/ops-cli/src/shards/shards.command';
import { migrateAll, shardMigrations } from '../../migrations/migrate';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

describe('ops-cli shards add | list (docs/adr/0008)', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  const created: string[] = [];
  const env = () => ({ SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() });
  // No credentials in the url: the control database's apply (and no password lands in the registry).
  const urlOf = (database: string) => `mysql://${dbs.config.control.host}:${dbs.config.control.port}/${database}`;
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await shardsCommand(argv, env(), (line) => lines.push(line));
    return { code, out: lines.join('\n') };
  };

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await databases?.destroy();
    const server = createServerPool(dbs.config.control);
    for (const database of created) await server.raw(`DROP DATABASE IF EXISTS \`${database}\``);
    await server.destroy();
    await dbs?.drop();
  });

  it('lists the configured shards registered by migrate, each with its 1024 slots', async () => {
    const { code, out } = await run('list', '--json');
    expect(code).toBe(0);
    const listed = JSON.parse(out);
    expect(listed.shards).toHaveLength(4);
    expect(listed.shards.map((s: { slots: number; owned: number }) => [s.slots, s.owned])).toEqual([[1024, 1024], [1024, 1024], [1024, 1024], [1024, 1024]]);
    expect(listed.shards[0].url).not.toMatch(/:[^/@]*@/); // no password
  });

  it('adds new databases (created, migrated, empty, owning no slot) under the next indexes and bumps the map version', async () => {
    const names = [0, 1].map(() => `t${randomBytes(4).toString('hex')}_new_shard`);
    created.push(...names);
    const store = new MysqlSlotMapStore(databases.control);
    const before = await store.version();
    const { code, out } = await run('add', ...names.map(urlOf));
    expect(code).toBe(0);
    expect(out).toMatch(/shard 4: .* registered/);
    expect(out).toMatch(/shard 5: .* registered/);
    const snapshot = await store.load();
    expect(snapshot.version).toBe(before + 2);
    expect(snapshot.shards.map((s) => s.shard)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(snapshot.map.shardCount).toBe(6);
    const fresh = new ShardDatabases({ ...dbs.config, shards: names.map((database) => ({ ...dbs.config.control, database })) });
    try {
      for (const shard of [0, 1]) {
        const [owned] = await fresh.shard(shard).raw('SELECT COUNT(*) AS n FROM owned_slots');
        expect(Number(owned[0].n)).toBe(0);
        const [partitions] = await fresh.shard(shard).raw("SELECT COUNT(*) AS n FROM information_schema.partitions WHERE table_schema = DATABASE() AND table_name = 'events'");
        expect(Number(partitions[0].n)).toBeGreaterThan(1);
      }
    } finally {
      await fresh.destroy();
    }
    const listed = JSON.parse((await run('list', '--json')).out);
    expect(listed.shards.slice(4)).toEqual([expect.objectContaining({ shard: 4, slots: 0, owned: 0 }), expect.objectContaining({ shard: 5, slots: 0, owned: 0 })]);
  });

  it('refuses a database already registered, under whatever url, and one that holds events', async () => {
    const configured = dbs.config.shards[2];
    await expect(run('add', `mysql://${configured.user}@${configured.host}:${configured.port}/${configured.database}`)).rejects.toThrow(/already registered as shard 2/);
    const used = `t${randomBytes(4).toString('hex')}_used_shard`;
    created.push(used);
    const server = createServerPool(dbs.config.control);
    await server.raw(`CREATE DATABASE \`${used}\``).finally(() => server.destroy());
    // A shard database of some other fleet: migrated, and owning slots there.
    const other = new ShardDatabases({ ...dbs.config, shards: [{ ...dbs.config.control, database: used }] });
    try {
      await other.shard(0).migrate.latest({ migrationSource: shardMigrations });
      await other.shard(0)('owned_slots').insert({ slot: 7, epoch: 1 });
    } finally {
      await other.destroy();
    }
    await expect(run('add', urlOf(used))).rejects.toThrow(/is not empty/);
    expect((await new MysqlSlotMapStore(databases.control).load()).shards).toHaveLength(6);
  });

  it('answers usage (exit 2) for an unknown subcommand or add without a url', async () => {
    expect((await run('add')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });

  it('seeds owned_slots once per shard: a shard that gave up every slot is not granted them again by a later migrate', async () => {
    const shard3 = databases.shard(3);
    const mine = (await ownedSlots(shard3)).map((o) => o.slot);
    expect(mine).toHaveLength(1024);
    // A cutover's first act on the old owner, before the map is flipped: the shard owns nothing.
    await revokeSlots(shard3, mine);
    try {
      await migrateAll(dbs.config);
      expect(await ownedSlots(shard3)).toEqual([]);
    } finally {
      await grantSlots(shard3, mine, 1);
    }
  });
});
