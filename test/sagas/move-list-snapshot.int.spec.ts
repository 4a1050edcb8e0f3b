import { InMemoryCommitPoints } from '@shardline/commit-points';
import { MysqlRecordMoveStore } from '@shardline/records-mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

jest.setTimeout(120_000);

/**
 * A move lists its sources in two reads (unmarked rows, then marked ones resolved through their
 * commit points). Read apart, a row whose marker changes between them — an atomic batch's release
 * step clearing `staged_by` just after the batch answered — was in neither read, and a move of a
 * business that had records answered 404 MOVE.NOTHING_TO_MOVE (seen once in CI); a row seen in both
 * was listed twice. The rows here flip between released and staged under a committed point, visible
 * either way, while the move store lists them again and again: every listing holds every row once.
 */
describe('a move lists its sources from one snapshot', () => {
  const BUSINESS = 'snapshot-biz';
  const ROWS = 40;
  const SAGA = 'ab-committed';
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

  it('never misses a row whose staged_by is cleared or set while it lists', async () => {
    const commitPoints = new InMemoryCommitPoints();
    await commitPoints.open(SAGA);
    await commitPoints.commit(SAGA);
    const db = databases.shard(0);
    const ids = Array.from({ length: ROWS }, (_, i) => String(1_000_000 + i));
    await db('records').insert(
      ids.map((id, i) => ({
        id,
        business_id: BUSINESS,
        user_id: 1,
        data_content: '{}',
        version: 1,
        created_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        updated_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        staged_by: i % 2 === 0 ? SAGA : null,
      })),
    );
    const store = new MysqlRecordMoveStore(databases, commitPoints);

    let listing = true;
    // Each flip moves one row to the other read (released ↔ staged), one commit at a time, from two
    // connections, so commits land at every point of a listing.
    const flipper = async (offset: number) => {
      let flips = 0;
      for (let i = offset; listing; i += 2) {
        await db.raw('UPDATE records SET staged_by = IF(staged_by IS NULL, ?, NULL) WHERE id = ?', [SAGA, ids[i % ROWS]]);
        flips++;
      }
      return flips;
    };
    const flippers = Promise.all([flipper(0), flipper(1)]);
    const short: number[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const listed = await store.listIds(0, BUSINESS, 1000);
        if (listed.length !== ROWS) short.push(listed.length);
      }
    } finally {
      listing = false;
    }
    expect(Math.min(...(await flippers))).toBeGreaterThan(10); // the rows did change under the listings
    expect(short).toEqual([]);
  });
});
