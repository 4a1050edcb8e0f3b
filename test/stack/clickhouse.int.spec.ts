// Smoke test: insert and aggregate on ClickHouse over HTTP (127.0.0.1:8123, user `default`).
// SQL kept to what both Debian's clickhouse-server 18.16 and current ClickHouse run
// (no query parameters, DateTime64, CTEs, window functions).
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';

const url = process.env.SHARDLINE_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

describe('stack: ClickHouse', () => {
  const client = createClient({ url, username: 'default', password: '', request_timeout: 30_000 });
  const table = `stack_smoke_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  afterAll(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` }).catch(() => undefined);
    await client.close();
  });

  it('answers ping', async () => {
    const res = await client.ping();
    expect(res.success).toBe(true);
  });

  it('inserts rows and aggregates them', async () => {
    await client.command({
      query: `CREATE TABLE ${table} (day Date, business_id String, events UInt32, at DateTime)
              ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (business_id, day)`,
    });
    await client.insert({
      table,
      format: 'JSONEachRow',
      values: [
        { day: '2024-01-15', business_id: 'biz-1', events: 2, at: '2024-01-15 10:00:00' },
        { day: '2024-01-15', business_id: 'biz-1', events: 3, at: '2024-01-15 11:00:00' },
        { day: '2024-01-16', business_id: 'biz-2', events: 4, at: '2024-01-16 09:30:00' },
      ],
    });
    const rs = await client.query({
      query: `SELECT business_id, sum(events) AS total, count() AS rows FROM ${table} GROUP BY business_id ORDER BY business_id`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ business_id: string; total: string | number; rows: string | number }>();
    expect(rows.map((r) => [r.business_id, Number(r.total), Number(r.rows)])).toEqual([
      ['biz-1', 5, 2],
      ['biz-2', 4, 1],
    ]);
  });
});
