import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickHouseConfigFromEnv } from '@shardline/projection-clickhouse';
import { EVENTS_TABLE } from '../../libs/projection-clickhouse/src/schema/analytics-tables';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { exportCommand } from '../../apps/ops-cli/src/replay/export.command';
import { replayCommand } from '../../apps/ops-cli/src/replay/replay.command';
import { ApiHarness, startApi } from '../support/api-harness';
import { ChildApp } from '../support/child-app';
import { waitFor } from '../support/wait-for';
import { startQueryApi } from '../support/query-api-harness';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/**
 * The README's worked example ("Record and replay"): record real traffic as JSONL, replay it into
 * a fresh ClickHouse database, and assert on an analytics answer. Run by `npm test`.
 */
describe('record traffic, replay it into a fresh ClickHouse, ask analytics', () => {
  let dbs: TestDatabases;
  let api: ApiHarness;
  let clickhouse: ClickHouseTestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'shardline-replay-'));
  const today = new Date().toISOString().slice(0, 10);
  const env = () => ({ ...process.env, SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl(), SHARDLINE_CLICKHOUSE_DATABASE: clickhouse.config.database, SHARDLINE_LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    api = await startApi(dbs.config, { SHARDLINE_SAGAS_ENABLED: 'false' });
    clickhouse = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
  });
  afterAll(async () => {
    await api?.close();
    await clickhouse?.drop();
    await dbs?.drop();
  });

  it('exports the traffic as JSONL envelopes and replays them into ClickHouse, where analytics answer for them', async () => {
    // 1. Traffic: 12 records of two businesses, 3 of them updated, 1 deleted.
    const ids: Array<{ business: string; id: string }> = [];
    for (let i = 0; i < 12; i++) {
      const business = i % 3 === 0 ? 'replay-acme' : 'replay-globex';
      const created = await api.request('POST', '/api/v1/data/single', { business_id: business, user_id: 100 + (i % 4), data_content: { n: i } });
      expect(created).toHaveStatus(201);
      ids.push({ business, id: created.body.id });
    }
    for (const { business, id } of ids.slice(0, 3)) expect(await api.request('PATCH', `/api/v1/data/${business}/${id}`, { data_content: { touched: true } })).toHaveStatus(200);
    expect(await api.request('DELETE', `/api/v1/data/${ids[11].business}/${ids[11].id}`)).toHaveStatus(200);

    // 2. Record: `npm run cli -- export --out traffic.jsonl`.
    const file = join(dir, 'traffic.jsonl');
    expect(await exportCommand(['--out', file], env())).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12 + 3 + 1);
    // The bytes the relay publishes: content sealed at write time stays sealed (envelope_version 2); replays open it with the user keys.
    expect(JSON.parse(lines[0])).toMatchObject({ envelope_version: expect.any(Number), event_type: expect.any(String), stream_version: expect.any(Number) });

    // 3. Replay: `npm run cli -- replay --to clickhouse --from-file traffic.jsonl`, into a fresh database.
    expect(await replayCommand(['--to', 'clickhouse', '--from-file', file, '--checkpoint', join(dir, 'cp.json')], env())).toBe(0);

    // 4. Ask: the analytics of the replayed traffic.
    const query = await startQueryApi(dbs.config, { SHARDLINE_CLICKHOUSE_DATABASE: clickhouse.config.database });
    try {
      const perDay = await query.request('GET', `/api/v1/analytics/records-per-day?from=${today}&to=${today}&business_id=replay-acme`);
      expect(perDay).toHaveStatus(200);
      expect(perDay.body.rows).toEqual([expect.objectContaining({ business_id: 'replay-acme', day: today, records_created: 4, events: 5 })]);
      const hot = await query.request('GET', `/api/v1/analytics/hot-businesses?from=${today}&to=${today}&limit=2`);
      expect(hot.body.businesses.map((b: { business_id: string; events: number }) => [b.business_id, b.events])).toEqual([
        ['replay-globex', 11], // 8 created, 2 updated, 1 deleted
        ['replay-acme', 5],
      ]);
    } finally {
      await query.close();
    }
  });

  it('replays the live event store for one business, and a resumed replay leaves every event once', async () => {
    const second = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    const checkpoint = join(dir, 'acme.json');
    const run = () => replayCommand(['--to', 'clickhouse', '--business', 'replay-acme', '--batch', '2', '--checkpoint', checkpoint], { ...env(), SHARDLINE_CLICKHOUSE_DATABASE: second.config.database });
    try {
      expect(await run()).toBe(0);
      const count = async () => {
        const [row] = await second.gateway.select<{ n: string | number }>(`SELECT count() AS n FROM ${second.config.database}.${EVENTS_TABLE} FINAL WHERE business_id = 'replay-acme'`);
        return Number(row.n);
      };
      expect(await count()).toBe(5);
      // As if stopped by Ctrl-C after the first chunk of every shard: the rest (and that chunk) are applied again.
      const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { key: string; positions: Record<string, string> };
      writeFileSync(checkpoint, JSON.stringify({ ...saved, positions: Object.fromEntries(Object.keys(saved.positions).map((shard) => [shard, '1'])) }));
      expect(await run()).toBe(0);
      expect(await count()).toBe(5);
      // A checkpoint of another replay is never resumed from.
      await expect(replayCommand(['--to', 'clickhouse', '--checkpoint', checkpoint], env())).rejects.toThrow(/checkpoint of another replay/);
    } finally {
      await second.drop();
    }
  });

  it('stops on Ctrl-C with a checkpoint, and the same command finishes the replay with every event once', async () => {
    const records = Array.from({ length: 1500 }, (_, i) => ({ business_id: `replay-bulk-${i % 5}`, user_id: 500 + (i % 9), data_content: { i } }));
    expect(await api.request('POST', '/api/v1/data/batch', { data: records })).toHaveStatus(201);
    const target = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    const checkpoint = join(dir, 'ctrl-c.json');
    const run = (args: string[]) => new ChildApp('cli', ['-r', require.resolve('../../scripts/register-ts.cjs'), 'apps/ops-cli/src/main.ts', ...args], { ...(env() as Record<string, string>), SHARDLINE_CLICKHOUSE_DATABASE: target.config.database });
    const args = ['replay', '--to', 'clickhouse', '--batch', '10', '--concurrency', '1', '--checkpoint', checkpoint];
    try {
      const first = run(args).start();
      await waitFor('a first checkpoint', () => existsSync(checkpoint), { timeoutMs: 60_000 });
      await first.stop('SIGINT', 30_000);
      expect(first.log()).toMatch(/stopped; run the same command again to resume/);
      const second = run(args).start();
      await waitFor('the resumed replay to finish', () => !second.running, { timeoutMs: 120_000, intervalMs: 250 });
      expect(second.exitCode).toBe(0);
      expect(second.log()).toMatch(/resuming from/);
      const [row] = await target.gateway.select<{ n: string | number; events: string | number }>(
        `SELECT uniqExact(stream_id, stream_version) AS n, count() AS events FROM ${target.config.database}.${EVENTS_TABLE} FINAL`,
      );
      const total = 12 + 3 + 1 + 1500;
      expect([Number(row.n), Number(row.events)]).toEqual([total, total]);
    } finally {
      await target.drop();
    }
  }, 240_000);
});
