import { clickHouseConfigFromEnv } from '../clickhouse.config';
import { liveTables } from '../schema/analytics-tables';
import { ClickHouseProjectionSink } from '../sink/clickhouse-projection.sink';
import { sqlUInt64 } from '../sql/sql-literals';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase, EnvelopeFactory } from '../testing/clickhouse-test-database';
import { ClickHouseUserErasure } from './clickhouse-user.erasure';

describe('ClickHouseUserErasure (ClickHouse server)', () => {
  let db: ClickHouseTestDatabase;
  const f = new EnvelopeFactory();

  beforeAll(async () => {
    db = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    await new ClickHouseProjectionSink(db.gateway, db.config.database).prepare();
  });
  afterAll(() => db?.drop());

  const rowsOf = async (userId: string) => {
    const t = liveTables(db.config.database);
    const [events] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${t.events} WHERE user_id = ${sqlUInt64(userId)}`);
    const [latest] = await db.gateway.select<{ n: string }>(`SELECT count() AS n FROM ${t.latest} WHERE user_id = ${sqlUInt64(userId)}`);
    return Number(events.n) + Number(latest.n);
  };

  it('deletes every row of the user from the raw events and the latest state, waits for the mutations, keeps the others; repeating finds nothing', async () => {
    const sink = new ClickHouseProjectionSink(db.gateway, db.config.database);
    const events = ['501', '502'].flatMap((userId) =>
      [1, 2, 3].flatMap((r) => {
        const recordId = f.recordId(new Date(Date.UTC(2026, 10, r)));
        return [1, 2].map((version) =>
          f.event({ type: version === 1 ? 'RecordCreated' : 'RecordUpdated', recordId, businessId: `erase-biz-${r}`, userId, version, at: `2026-11-0${r}T10:00:0${version}.000Z`, dataContent: { secret: `s-${userId}` } }),
        );
      }),
    );
    expect(await sink.apply(events)).toEqual([]);
    const before = await rowsOf('501');
    expect(before).toBeGreaterThan(0);

    const erasure = new ClickHouseUserErasure(db.gateway, db.config.database, 50);
    expect(await erasure.eraseUser('501')).toBe(before);
    expect(await rowsOf('501')).toBe(0);
    expect(await rowsOf('502')).toBe(before);
    expect(await erasure.eraseUser('501')).toBe(0);
  });
});
