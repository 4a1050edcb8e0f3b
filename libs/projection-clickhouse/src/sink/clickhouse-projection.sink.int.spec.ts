import { createServer, type Server } from 'node:net';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { clickHouseConfigFromEnv } from '../clickhouse.config';
import { createClickHouseGateway } from '../clickhouse-gateway';
import { DAILY_VIEW, liveTables } from '../schema/analytics-tables';
import { sqlQualifiedName, sqlString } from '../sql/sql-literals';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase, EnvelopeFactory, shuffled } from '../testing/clickhouse-test-database';
import { ClickHouseProjectionSink } from './clickhouse-projection.sink';

const HOSTILE = ["'", "\\'; DROP DATABASE x; --", 'a\\b', 'nul\0byte', 'ctl\x01\x1f\x7f', 'line\nbreak\ttab\r', '🙂 中文 ünï', '"dq" `bt`', '{p:String} ? %s'];

describe('ClickHouseProjectionSink (ClickHouse server)', () => {
  let db: ClickHouseTestDatabase;
  let sink: ClickHouseProjectionSink;
  const f = new EnvelopeFactory();

  beforeAll(async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    sink = new ClickHouseProjectionSink(db.gateway, db.config.database);
    await sink.prepare();
    await sink.prepare(); // idempotent
  });
  afterAll(() => db?.drop());

  const tables = () => liveTables(db.config.database);
  const select = <T = Record<string, string>>(sql: string) => db.gateway.select<T>(sql);

  it('collapses duplicates and out-of-order delivery: counts and latest versions as if applied once in order', async () => {
    const business = 'dup-biz';
    const events: RecordEventEnvelope[] = [];
    const expectedLatest: { record_id: string; version: number; deleted: number }[] = [];
    for (let r = 0; r < 40; r++) {
      const id = f.recordId(new Date(Date.UTC(2026, r % 3, 5)));
      const versions = 1 + (r % 4);
      const deleted = r % 5 === 0;
      for (let v = 1; v <= versions; v++) {
        events.push(f.event({ type: v === 1 ? 'RecordCreated' : 'RecordUpdated', recordId: id, businessId: business, userId: String(100 + (r % 7)), version: v, at: `2026-0${1 + (r % 3)}-10T10:00:0${v}.123Z`, dataContent: { v } }));
      }
      if (deleted) events.push(f.event({ type: 'RecordDeleted', recordId: id, businessId: business, version: versions + 1, at: `2026-0${1 + (r % 3)}-11T00:00:00Z` }));
      expectedLatest.push({ record_id: id, version: deleted ? versions + 1 : versions, deleted: deleted ? 1 : 0 });
    }
    // Every event 1-3 times, shuffled, in uneven batches (duplicates within and across batches).
    const deliveries = shuffled(events.flatMap((e, i) => Array.from({ length: 1 + (i % 3) }, () => e)), 7);
    for (let i = 0; i < deliveries.length; i += 23) expect(await sink.apply(deliveries.slice(i, i + 23))).toEqual([]);

    const where = `business_id = ${sqlString(business)}`;
    const [final] = await select(`SELECT count() AS n, uniqExact(stream_id, stream_version) AS distinct_events FROM ${tables().events} FINAL WHERE ${where}`);
    expect(Number(final.n)).toBe(events.length);
    expect(Number(final.distinct_events)).toBe(events.length);
    const latestFinal = await select<{ record_id: string; version: number; deleted: number }>(
      `SELECT toString(record_id) AS record_id, version, deleted FROM ${tables().latest} FINAL WHERE ${where} ORDER BY record_id`,
    );
    // The argMax form readers may use instead of FINAL (aliases must not shadow the columns).
    const latestArgMax = await select<{ id: string; v: number; del: number }>(
      `SELECT toString(record_id) AS id, max(version) AS v, argMax(deleted, version) AS del FROM ${tables().latest} WHERE ${where} GROUP BY record_id ORDER BY id`,
    );
    const expected = [...expectedLatest].sort((a, b) => (a.record_id < b.record_id ? -1 : 1));
    expect(latestFinal).toEqual(expected);
    expect(latestArgMax.map((r) => ({ record_id: r.id, version: r.v, deleted: r.del }))).toEqual(expected);

    // After the merges ClickHouse does in the background, the duplicates are physically gone too.
    await db.gateway.command(`OPTIMIZE TABLE ${tables().events} FINAL`);
    await db.gateway.command(`OPTIMIZE TABLE ${tables().latest} FINAL`);
    const [merged] = await select(`SELECT count() AS n FROM ${tables().events} WHERE ${where}`);
    expect(Number(merged.n)).toBe(events.length);
    const [latestMerged] = await select(`SELECT count() AS n FROM ${tables().latest} WHERE ${where}`);
    expect(Number(latestMerged.n)).toBe(expectedLatest.length);
  });

  it('reflects deletes in the latest state and keeps the data of the newest version', async () => {
    const id = f.recordId(new Date('2026-03-01T00:00:00Z'));
    const [c, u, d] = [
      f.event({ type: 'RecordCreated', recordId: id, businessId: 'del-biz', version: 1, at: '2026-03-01T00:00:01Z', dataContent: { a: 1 } }),
      f.event({ type: 'RecordUpdated', recordId: id, businessId: 'del-biz', version: 2, at: '2026-03-01T00:00:02Z', dataContent: { a: 2 } }),
      f.event({ type: 'RecordDeleted', recordId: id, businessId: 'del-biz', version: 3, at: '2026-03-01T00:00:03Z' }),
    ];
    await sink.apply([c, u]);
    const live = () => select(`SELECT version, deleted, data FROM ${tables().latest} FINAL WHERE business_id = 'del-biz' AND record_id = ${id}`);
    expect(await live()).toEqual([{ version: 2, deleted: 0, data: '{"a":2}' }]);
    await sink.apply([d]);
    await sink.apply([u, c]); // stale redelivery after the delete
    expect(await live()).toEqual([{ version: 3, deleted: 1, data: '' }]);
  });

  it('shows a moved record under its new business exactly once, and its source as deleted in the old one', async () => {
    const [source, copy] = [f.recordId(new Date('2026-03-01T00:00:00Z')), f.recordId(new Date('2026-03-02T00:00:00Z'))];
    const events = [
      f.event({ type: 'RecordCreated', recordId: source, businessId: 'mv-from', userId: '5', version: 1, at: '2026-03-01T00:00:01Z', dataContent: { a: 1 } }),
      f.event({ type: 'RecordUpdated', recordId: source, businessId: 'mv-from', userId: '5', version: 2, at: '2026-03-01T00:00:02Z', dataContent: { a: 2 } }),
      f.event({ type: 'RecordMovedOut', recordId: source, businessId: 'mv-from', userId: '5', version: 3, at: '2026-03-02T00:00:01Z' }),
      f.event({ type: 'RecordMovedIn', recordId: copy, businessId: 'mv-to', userId: '5', version: 1, at: '2026-03-02T00:00:01Z', dataContent: { a: 2 } }),
    ];
    expect(await sink.apply(shuffled([...events, ...events], 5))).toEqual([]);
    const latest = await select(`SELECT business_id, toString(record_id) AS id, version, deleted, data FROM ${tables().latest} FINAL WHERE business_id IN ('mv-from', 'mv-to') ORDER BY business_id`);
    expect(latest).toEqual([
      { business_id: 'mv-from', id: source, version: 3, deleted: 1, data: '' },
      { business_id: 'mv-to', id: copy, version: 1, deleted: 0, data: '{"a":2}' },
    ]);
    const [counted] = await select(`SELECT count() AS n FROM ${tables().events} FINAL WHERE business_id IN ('mv-from', 'mv-to')`);
    expect(Number(counted.n)).toBe(4);
  });

  it('replaces a daily view created before moves counted, swapping it in one RENAME', async () => {
    const view = `${sqlQualifiedName(db.config.database, DAILY_VIEW)}`;
    await db.gateway.command(`DROP TABLE ${view}`);
    await db.gateway.command(
      `CREATE VIEW ${view} AS SELECT business_id, event_date AS day, countIf(event_type = 'RecordCreated') AS records_created, countIf(event_type = 'RecordUpdated') AS records_updated, countIf(event_type = 'RecordDeleted') AS records_deleted, count() AS events, uniqExact(user_id) AS active_users FROM ${tables().events} FINAL GROUP BY business_id, day`,
    );
    await sink.prepare();
    const views = await select<{ name: string; query: string }>(`SELECT name, create_table_query AS query FROM system.tables WHERE database = ${sqlString(db.config.database)} AND name LIKE 'daily%' AND engine = 'View'`);
    expect(views.map((v) => v.name)).toEqual([DAILY_VIEW]);
    expect(views[0].query).toContain('RecordMovedIn');
    const [moved] = await select(`SELECT sum(records_created) AS created, sum(records_deleted) AS deleted FROM ${view} WHERE business_id IN ('mv-from', 'mv-to')`);
    expect([Number(moved.created), Number(moved.deleted)]).toEqual([2, 1]);
  });

  it('rejects only the events that can never be stored and writes the rest of the batch', async () => {
    const id = f.recordId(new Date('2026-04-01T00:00:00Z'));
    const good = f.event({ type: 'RecordCreated', recordId: id, businessId: 'rej-biz', version: 1, at: '2026-04-01T00:00:00Z' });
    const unknownType = { ...good, event_type: 'RecordTeleported', stream_version: 2 };
    const badId = { ...good, record_id: '18446744073709551616' };
    const badTime = { ...good, occurred_at: '2200-01-01T00:00:00Z' };
    const noContent = { ...good, data: { id } };
    const rejections = await sink.apply([unknownType, good, badId, badTime, noContent]);
    expect(rejections.map((r) => [r.event, r.reason])).toEqual([
      [unknownType, expect.stringContaining('unknown event type')],
      [badId, expect.stringContaining('record_id')],
      [badTime, expect.stringContaining('occurred_at')],
      [noContent, expect.stringContaining('data_content')],
    ]);
    const [row] = await select(`SELECT count() AS n FROM ${tables().events} FINAL WHERE business_id = 'rej-biz'`);
    expect(Number(row.n)).toBe(1);
  });

  it('round-trips hostile strings through the sink and through sqlString literals', async () => {
    for (const [i, hostile] of HOSTILE.entries()) {
      const id = f.recordId(new Date('2026-05-01T00:00:00Z'));
      const business = `h${i}${hostile}`.slice(0, 64);
      const content = { [hostile]: hostile, nested: { list: [hostile] } };
      expect(await sink.apply([f.event({ type: 'RecordCreated', recordId: id, businessId: business, version: 1, at: '2026-05-01T00:00:00Z', dataContent: content })])).toEqual([]);
      const rows = await select(`SELECT business_id, data FROM ${tables().latest} FINAL WHERE business_id = ${sqlString(business)} AND record_id = ${id}`);
      expect(rows).toEqual([{ business_id: business, data: JSON.stringify(content) }]);
    }
    const literals = [...HOSTILE, '\\', "\\\\'", "'\\", '\0\0', '\u2028', ''];
    const [echo] = await select(`SELECT ${literals.map((s, i) => `${sqlString(s)} AS v${i}`).join(', ')}`);
    expect(literals.map((_, i) => echo[`v${i}`])).toEqual(literals);
  });

  it('throws (never rejects) when ClickHouse cannot be reached or does not answer in time', async () => {
    const event = f.event({ type: 'RecordCreated', recordId: f.recordId(new Date()), businessId: 'down', version: 1, at: new Date().toISOString() });
    const closedPort = await freePort();
    const down = createClickHouseGateway({ ...db.config, url: `http://127.0.0.1:${closedPort}`, requestTimeoutMs: 2000 });
    await expect(new ClickHouseProjectionSink(down, db.config.database).apply([event])).rejects.toThrow();
    await down.close();

    const silent = await silentServer();
    const hanging = createClickHouseGateway({ ...db.config, url: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, requestTimeoutMs: 300 });
    try {
      await expect(new ClickHouseProjectionSink(hanging, db.config.database).apply([event])).rejects.toThrow(/timeout/i);
    } finally {
      await hanging.close();
      await new Promise((r) => silent.close(r));
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Accepts connections and never answers: a hung ClickHouse. */
async function silentServer(): Promise<Server> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as typeof server.close;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
