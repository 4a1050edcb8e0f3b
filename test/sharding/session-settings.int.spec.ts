import { sqlLiteral } from '@shardline/event-store/mysql';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { createPool, sessionSettingsSql } from '@shardline/sharding/mysql';
import type { Knex } from 'knex';

/**
 * Every pooled session starts with sessionSettingsSql. A server whose sql_mode holds
 * NO_BACKSLASH_ESCAPES would make every escaped quote (\') END its string: the write path's SQL text,
 * mysql2's and knex's escaping all write quotes that way, so record content could write SQL. The
 * settings put backslash escapes back whatever the session started with (the server's global mode
 * is not changed here: other test files share the server).
 */
describe('session settings of every pooled connection', () => {
  let db: Knex;
  beforeAll(() => {
    db = createPool(shardingConfigFromEnv(process.env).control, { poolMax: 1, connectTimeoutMs: 10_000 });
  });
  afterAll(() => db?.destroy());

  it('turns NO_BACKSLASH_ESCAPES off, keeps the other modes, and a quote-laden value reads back as written', async () => {
    const hostile = `x\\'); DROP TABLE t; -- "y" \\\\ '' end`;
    await db.transaction(async (trx) => {
      await trx.raw("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES,ANSI_QUOTES')");
      const [[before]] = await trx.raw('SELECT @@SESSION.sql_mode AS mode');
      expect(before.mode).toContain('NO_BACKSLASH_ESCAPES');
      // As it was: the escaped literal breaks out of its quotes (a syntax error here, SQL in general).
      await expect(trx.raw(`SELECT ${sqlLiteral(hostile)} AS v`)).rejects.toThrow();

      await trx.raw(sessionSettingsSql(3));
      const [[after]] = await trx.raw('SELECT @@SESSION.sql_mode AS mode, @@SESSION.innodb_lock_wait_timeout AS wait');
      expect(after.mode).not.toContain('NO_BACKSLASH_ESCAPES');
      expect(after.mode).toContain('ANSI_QUOTES');
      expect(Number(after.wait)).toBe(3);
      const [[read]] = await trx.raw(`SELECT ${sqlLiteral(hostile)} AS v`);
      expect(read.v).toBe(hostile);
    });
  });

  it('is what a new pooled connection runs', async () => {
    const [[row]] = await db.raw('SELECT @@SESSION.innodb_lock_wait_timeout AS wait, @@SESSION.sql_mode AS mode');
    expect(Number(row.wait)).toBe(3);
    expect(row.mode).not.toContain('NO_BACKSLASH_ESCAPES');
  });
});
