import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { monthKeyOf } from '@shardline/event-store';
import { SnowflakeIdGenerator, timeOfId } from '@shardline/ids';
import { ensureRecordPartitions, listRecordPartitions, monthsBefore, MysqlRecordStateReader, partitionRecordsByMonth, RECENT_FIRST_WINDOWS } from '@shardline/records-mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * `records` partitioned by month of creation (migration 0006) and the readers' recent-first
 * windows. Each shard gets 14 months of history in an unpartitioned table first, which the
 * migration's own function then converts (as it converts an existing deployment), so every month
 * has its partition. The plan tests replay the reader's SQL with ANALYZE: a newest-first page must
 * read the newest partitions only and about one page of index entries — without the window bound
 * it names every month, without the explicit id in the index it filesorts every row of the business.
 */
describe('records partitioned by month: conversion, pruning of newest-first pages, windows', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  const now = new Date();
  const current = monthKeyOf(now);
  const MONTHS = 14;
  /** Per shard, every row newest first as (business, user, id). */
  const rows: Array<Array<{ business: string; user: string; id: string }>> = [[], []];
  const converted: Array<number[] | null> = [];

  beforeAll(async () => {
    dbs = await createTestDatabases(2);
    databases = new ShardDatabases(dbs.config);
    for (const shard of [0, 1]) {
      const db = databases.shard(shard);
      await db.raw('ALTER TABLE records REMOVE PARTITIONING');
      // One row every ~2.6 hours for 14 months: `hot` holds most of them; `sparse` only a few
      // in the oldest three months (its newest-first page must widen to find them); user 7 has rows
      // on both shards (a merged page).
      const start = Date.UTC(Math.floor(monthsBefore(current, MONTHS - 1) / 100), (monthsBefore(current, MONTHS - 1) % 100) - 1, 1);
      let ms = start + shard * 1_000;
      const gen = new SnowflakeIdGenerator(40 + shard, () => ms);
      const values: string[] = [];
      for (let i = 0; ms < now.getTime() - 3_600_000; i++) {
        const id = gen.next();
        const inOldest = ms < start + 90 * 86_400_000;
        const business = inOldest && i % 40 === 0 ? 'sparse' : i % 10 === 0 ? `tail-${i}` : 'hot';
        const user = String(i % 7 === 0 ? 7 : 100 + (i % 13));
        const t = new Date(Number(timeOfId(id))).toISOString().slice(0, 23).replace('T', ' ');
        values.push(`(${id}, '${business}', ${user}, '{"n":${i}}', 1, '${t}', '${t}')`);
        rows[shard].unshift({ business, user, id });
        ms += 9_500_000;
      }
      for (let i = 0; i < values.length; i += 1_000) {
        await db.raw(`INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time) VALUES ${values.slice(i, i + 1_000).join(',')}`);
      }
      converted.push(await partitionRecordsByMonth(db, now));
      await ensureRecordPartitions(db, now, 3);
      await db.raw('ANALYZE TABLE records');
    }
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  const reader = (recentFirst = true) => new MysqlRecordStateReader(databases, { commitPoints: new MysqlCommitPoints(databases.control) }, { recentFirst, now: () => now });

  it('converts a table with history into one partition per month from its oldest row, each holding exactly that month', async () => {
    const months = Array.from({ length: MONTHS }, (_, i) => monthsBefore(current, MONTHS - 1 - i));
    expect(converted).toEqual([months, months]);
    const db = databases.shard(0);
    expect(await listRecordPartitions(db)).toEqual([...months, ...[1, 2, 3].map((n) => monthsBefore(current, -n))]);
    expect(await partitionRecordsByMonth(db, now)).toBeNull();
    for (const month of [months[0], months[6], current]) {
      const [[inPartition]] = (await db.raw(`SELECT COUNT(*) AS n FROM records PARTITION (p${month})`)) as unknown as [[{ n: number }]];
      const expected = rows[0].filter((r) => monthKeyOf(timeOfId(r.id)) === month).length;
      expect({ month, rows: Number(inPartition.n) }).toEqual({ month, rows: expected });
    }
  });

  it('a first page of a business reads this month and the one before, about one page of entries, no filesort', async () => {
    const plans = await plansOf(0, (r) => r.page([0], { businessId: 'hot' }, null, 20));
    expect(plans).toHaveLength(1);
    const [plan] = plans;
    const older = plan.partitions.filter((p) => /^p\d{6}$/.test(p) && Number(p.slice(1)) < monthsBefore(current, 1));
    expect({ older, filesort: plan.filesort, readFewRows: plan.rows <= 20 + plan.partitions.length }).toEqual({ older: [], filesort: false, readFewRows: true });
  });

  it('a deep cursor page reads the cursor month and the one before only', async () => {
    const hot = rows[0].filter((r) => r.business === 'hot');
    const cursor = hot[Math.floor(hot.length / 2)].id;
    const month = monthKeyOf(timeOfId(cursor));
    const [plan] = await plansOf(0, (r) => r.page([0], { businessId: 'hot' }, cursor, 20));
    expect({ partitions: plan.partitions, filesort: plan.filesort }).toEqual({ partitions: [`p${monthsBefore(month, 1)}`, `p${month}`], filesort: false });
  });

  it('pages equal the unbounded reader, for a hot business by cursor, a business only in old months and a user merged over shards', async () => {
    const walk = async (r: MysqlRecordStateReader, shards: number[], filter: { businessId?: string; userId?: string }, pages: number) => {
      const out: string[][] = [];
      let cursor: string | null = null;
      for (let i = 0; i < pages; i++) {
        const page = await r.page(shards, filter, cursor, 25);
        out.push(page.map((s) => s.id));
        if (page.length < 25) break;
        cursor = page[page.length - 1].id;
      }
      return out;
    };
    const expectedOf = (shards: number[], keep: (row: { business: string; user: string }) => boolean) =>
      shards
        .flatMap((s) => rows[s].filter(keep).map((r) => r.id))
        .sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
    for (const [shards, filter, keep, pages] of [
      [[0], { businessId: 'hot' }, (r: { business: string }) => r.business === 'hot', 20],
      [[1], { businessId: 'sparse' }, (r: { business: string }) => r.business === 'sparse', 10],
      [[0, 1], { userId: '7' }, (r: { user: string }) => r.user === '7', 4],
    ] as const) {
      const windows = await walk(reader(), [...shards], filter, pages);
      expect(windows).toEqual(await walk(reader(false), [...shards], filter, pages));
      expect(windows.flat()).toEqual(expectedOf([...shards], keep as (r: { business: string; user: string }) => boolean).slice(0, windows.flat().length));
      expect(windows.flat().length).toBeGreaterThan(0);
    }
    // The sparse business lives in the oldest months: its first page widened through every window.
    const sparse = await plansOf(1, (r) => r.page([1], { businessId: 'sparse' }, null, 25));
    expect(sparse).toHaveLength(RECENT_FIRST_WINDOWS.length);
  });

  /** The reader's statements against records on `shard` for one call, replayed with ANALYZE. */
  async function plansOf(shard: number, call: (r: MysqlRecordStateReader) => Promise<unknown>): Promise<Array<{ partitions: string[]; rows: number; filesort: boolean }>> {
    const db = databases.shard(shard);
    const statements: string[] = [];
    const capture = (q: { sql: string; bindings?: unknown[] }) => {
      if (/FROM records/.test(q.sql)) statements.push(db.raw(q.sql, (q.bindings ?? []) as never).toString());
    };
    db.on('query', capture);
    try {
      await call(reader());
    } finally {
      db.removeListener('query', capture);
    }
    const plans = [];
    for (const sql of statements) {
      const [[plan]] = (await db.raw(`ANALYZE FORMAT=JSON ${sql}`)) as unknown as [[{ ANALYZE: string }]];
      const text = plan.ANALYZE;
      const table = findTable(JSON.parse(text));
      plans.push({ partitions: table.partitions ?? [], rows: table.r_rows, filesort: text.includes('"filesort"') });
    }
    return plans;
  }
});

function findTable(node: unknown): { partitions?: string[]; r_rows: number } {
  if (node && typeof node === 'object') {
    const object = node as Record<string, unknown>;
    if (object.table_name === 'records') return object as unknown as { partitions?: string[]; r_rows: number };
    for (const child of Object.values(object)) {
      const found = Array.isArray(child) ? child.map(findTable).find(Boolean) : findTable(child);
      if (found) return found;
    }
  }
  return undefined as never;
}
