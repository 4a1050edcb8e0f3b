import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { MysqlRecordStateReader } from '@shardline/records-mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * A page of a hot business reads about one page of index entries however deep the cursor is.
 * bench/scale found MariaDB walking `ref` on business_id alone for cursor pages of a hot business
 * (the cursor's range covers almost the whole business, so the optimizer saw no gain in it): page 50
 * read every newer row first (1,001 entries, 3,008 pages at 1 million records). This test replays
 * the reader's own SQL with ANALYZE and counts the rows the engine read.
 */
describe('MysqlRecordStateReader.page: the plan of a deep cursor page of a hot business', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  const ROWS = 4_000;
  const ids: string[] = [];

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
    let ms = Date.UTC(2026, 9, 1);
    const gen = new SnowflakeIdGenerator(7, () => ms);
    const rows: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      ms += 60_000;
      const id = gen.next();
      ids.push(id);
      const t = new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
      // One hot business holds nearly every row, as tenant-00001 does in bench/scale.
      const business = i % 50 === 0 ? `tail-${i}` : 'hot';
      rows.push(`(${id}, '${business}', ${1 + (i % 97)}, '{"n":${i}}', 1, '${t}', '${t}')`);
    }
    await databases.shard(0).raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time) VALUES ${rows.join(',')}`);
    await databases.shard(0).raw('ANALYZE TABLE records');
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('reads about one page of rows for page 50 of the hot business, not every newer row', async () => {
    const statements: string[] = [];
    const capture = (q: { sql: string; bindings?: unknown[] }) => {
      if (/FROM records/.test(q.sql)) statements.push(databases.shard(0).raw(q.sql, (q.bindings ?? []) as never).toString());
    };
    databases.shard(0).on('query', capture);
    const reader = new MysqlRecordStateReader(databases, { commitPoints: new MysqlCommitPoints(databases.control) });
    const hot = ids.filter((_, i) => i % 50 !== 0).reverse(); // newest first
    const cursor = hot[49 * 20 - 1]; // the last row of page 49
    const page = await reader.page([0], { businessId: 'hot' }, cursor, 21);
    databases.shard(0).removeListener('query', capture);

    expect(page.map((r) => r.id)).toEqual(hot.slice(49 * 20, 49 * 20 + 21));
    expect(statements).toHaveLength(1);
    const [[plan]] = (await databases.shard(0).raw(`ANALYZE FORMAT=JSON ${statements[0]}`)) as unknown as [[{ ANALYZE: string }]];
    const table = (JSON.parse(plan.ANALYZE) as { query_block: { nested_loop?: Array<{ table: { r_rows: number; key: string } }>; table?: { r_rows: number; key: string } } }).query_block;
    const read = table.nested_loop?.[0].table ?? table.table!;
    expect({ key: read.key, readFewRows: read.r_rows <= 50 }).toEqual({ key: 'idx_business_time', readFewRows: true });
  });
});
