import { randomUUID } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { withQueryTimeouts } from '@shardline/sharding/mysql';
import { waitFor } from '../support/wait-for';

/**
 * The shard pools' default query timeout (withQueryTimeouts) on a real MariaDB connection.
 * mysql2 clears a query's inactivity timer when the query completes, not when its connection dies
 * under it: a query answered with the connection's loss kept a live timer for the rest of the
 * timeout, holding the process open (a test worker exited ~10 s late after a KILL CONNECTION).
 */
describe('default query timeout on a mysql2 connection', () => {
  const server = shardingConfigFromEnv(process.env).control;
  const open = (): Connection => createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  let victim: Connection;
  let killer: Connection;
  beforeAll(() => {
    victim = open();
    killer = open();
    withQueryTimeouts(victim as never, 60_000);
  });
  afterAll(() => {
    victim.destroy();
    killer.destroy();
  });

  it('a query whose connection is killed fails at once and leaves no timer running', async () => {
    const [[{ id }]] = (await killer.promise().query('SELECT 1 AS id')) as unknown as [[{ id: number }]];
    expect(id).toBe(1);
    let answered: Error | null | undefined;
    const marker = `slept_${randomUUID().replaceAll('-', '')}`;
    const command = victim.query(`SELECT SLEEP(30) AS ${marker}`, (error: Error | null) => (answered = error)) as unknown as { queryTimeout: unknown };
    const sleeping = async () => {
      const [rows] = await killer.promise().query(`SELECT id FROM information_schema.processlist WHERE info LIKE '%${marker}%' AND id <> CONNECTION_ID()`);
      return rows as Array<{ id: number }>;
    };
    await waitFor('the sleep to be running', async () => (await sleeping()).length === 1);
    await killer.promise().query(`KILL CONNECTION ${Number((await sleeping())[0].id)}`);
    await waitFor('the query to be answered', () => answered !== undefined);
    expect(answered).toBeInstanceOf(Error);
    expect(command.queryTimeout ?? null).toBeNull();
  });

  it('a query that completes answers as before, and a query with its own timeout keeps it', async () => {
    const fresh = open();
    withQueryTimeouts(fresh as never, 60_000);
    try {
      const [rows] = (await fresh.promise().query('SELECT 2 AS n')) as unknown as [[{ n: number }]];
      expect(rows[0].n).toBe(2);
      const own = await new Promise<Error | null>((resolve) => fresh.query({ sql: 'SELECT SLEEP(5) AS s', timeout: 200 }, (error: Error | null) => resolve(error)));
      expect(own).toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
    } finally {
      fresh.destroy();
    }
  });
});
