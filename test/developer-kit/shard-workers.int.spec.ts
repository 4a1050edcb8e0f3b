import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEvents } from '@shardline/event-export';
import { clickHouseConfigFromEnv, createClickHouseGateway } from '@shardline/projection-clickhouse';
import { CreateRecord, UpdateRecord } from '@shardline/records';
import { type ClickHouseTestDatabase, createClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { exportCommand } from '../../apps/ops-cli/src/replay/export.command';
import { importCommand } from '../../apps/ops-cli/src/replay/import.command';
import { replayCommand } from '../../apps/ops-cli/src/replay/replay.command';
import { ctx, recordsInMemory } from '../../libs/records/src/testing/in-memory-records.spec-helper';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';

/**
 * `--workers N`: the shards of an export or a replay in worker threads. Same bytes in the file, same
 * rows in ClickHouse, as the command run in one thread.
 */
describe('export and replay in worker threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shardline-workers-'));
  let dbs: TestDatabases;
  const clickhouse: ClickHouseTestDatabase[] = [];
  const env = () => ({ ...process.env, SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl(), SHARDLINE_LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    dbs = await createTestDatabases(4);
    const h = recordsInMemory();
    for (let i = 0; i < 40; i++) {
      const { response } = await h.create.execute(new CreateRecord({ businessId: `w-${i % 7}`, userId: String(1 + (i % 5)), dataContent: { n: i, text: 'tab\tand\nnewline' } }, ctx()));
      if (i % 4 === 0) await h.update.execute(new UpdateRecord({ businessId: `w-${i % 7}`, recordId: response.id, patch: { touched: i } }, ctx()));
    }
    let text = '';
    await exportEvents(h.store, [0, 1, 2, 3], {}, async (page) => void (text += page));
    writeFileSync(join(dir, 'seed.jsonl'), text);
    expect(await importCommand([join(dir, 'seed.jsonl')], env(), () => {})).toBe(0);
  });
  afterAll(async () => {
    for (const c of clickhouse) await c.drop();
    await dbs?.drop();
  });

  it('export --workers 2 writes the same bytes as one thread', async () => {
    expect(await exportCommand(['--out', join(dir, 'one.jsonl'), '--batch', '7'], env())).toBe(0);
    expect(await exportCommand(['--out', join(dir, 'two.jsonl'), '--batch', '7', '--workers', '2'], env())).toBe(0);
    const one = readFileSync(join(dir, 'one.jsonl'), 'utf8');
    expect(one.trim().split('\n')).toHaveLength(50);
    expect(readFileSync(join(dir, 'two.jsonl'), 'utf8')).toBe(one);
    expect(one).toBe(readFileSync(join(dir, 'seed.jsonl'), 'utf8'));
  });

  it('replay --workers 2 into ClickHouse leaves the same rows as one thread, and checkpoints every shard', async () => {
    const config = clickHouseConfigFromEnv(process.env);
    for (let i = 0; i < 2; i++) clickhouse.push(await createClickHouseTestDatabase(config));
    const run = (database: string, ...extra: string[]) => replayCommand(['--to', 'clickhouse', '--batch', '6', '--checkpoint', join(dir, `${database}.json`), ...extra], { ...env(), SHARDLINE_CLICKHOUSE_DATABASE: database });
    expect(await run(clickhouse[0].config.database)).toBe(0);
    expect(await run(clickhouse[1].config.database, '--workers', '2')).toBe(0);
    const gateway = createClickHouseGateway(config);
    try {
      const rows = async (database: string) => ({
        events: await gateway.select(`SELECT * FROM ${database}.record_events ORDER BY shard, position`),
        latest: await gateway.select(`SELECT * FROM ${database}.records_latest FINAL ORDER BY record_id`),
      });
      const one = await rows(clickhouse[0].config.database);
      expect(one.events).toHaveLength(50);
      expect(await rows(clickhouse[1].config.database)).toEqual(one);
    } finally {
      await gateway.close();
    }
    const saved = JSON.parse(readFileSync(join(dir, `${clickhouse[1].config.database}.json`), 'utf8'));
    expect(Object.keys(saved.positions).sort()).toEqual(Object.keys(JSON.parse(readFileSync(join(dir, `${clickhouse[0].config.database}.json`), 'utf8')).positions).sort());
  });
});
