import { sqlLiteral } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';

/**
 * sqlLiteral writes every value of every appended row: what MariaDB reads from its text must be
 * the value itself, double quotes included (left unescaped between single quotes), in the server's
 * sql_mode and with ANSI_QUOTES on too.
 */
describe('SQL literals of the write path, read back by MariaDB', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
  });
  afterAll(async () => {
    await databases.destroy();
    await dbs.drop();
  });

  const values = [
    'plain',
    '',
    `it's "quoted"`,
    'a\\"b\\\\"c"',
    '"\\',
    'C:\\path\\',
    'a\0b\bc\td\ne\rf\x1ag',
    "x'); DROP TABLE events; --",
    "\\'",
    'zaï 漢字 😀',
    JSON.stringify({ a: "o'k", b: 'line\nbreak', c: '\\', d: 'say "hi"', e: '\\"' }),
  ];

  it.each(['', 'ANSI_QUOTES'])('reads every string back as it was (sql_mode extra: %p)', async (mode) => {
    const connection = await databases.writer(0).getConnection();
    try {
      if (mode) await connection.query(`SET SESSION sql_mode = CONCAT(@@sql_mode, ',${mode}')`);
      for (const value of values) {
        const [rows] = await connection.query(`SELECT ${sqlLiteral(value)} AS v`);
        expect((rows as Array<{ v: string }>)[0].v).toBe(value);
      }
    } finally {
      connection.release();
    }
  });

  it('keeps JSON with double quotes valid and equal', async () => {
    const value = JSON.stringify({ note: 'say "hi" \\ there', nested: { q: '"' } });
    const [[row]] = await databases.shard(0).raw(`SELECT JSON_VALID(${sqlLiteral(value)}) AS valid, JSON_UNQUOTE(JSON_EXTRACT(${sqlLiteral(value)}, '$.note')) AS note`);
    expect(row).toMatchObject({ valid: 1, note: 'say "hi" \\ there' });
  });
});
