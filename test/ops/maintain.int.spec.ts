import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickHouseConfigFromEnv, ClickHouseProjectionSink } from '@shardline/projection-clickhouse';
import { createClickHouseTestDatabase, type ClickHouseTestDatabase } from '../../libs/projection-clickhouse/src/testing/clickhouse-test-database';
import { archiveCommand } from '../../apps/ops-cli/src/maintenance/archive.command';
import { maintainCommand } from '../../apps/ops-cli/src/maintenance/maintain.command';
import { dropIndexBase, randomTag, testEsClient } from '../projections/projection-fixtures';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

/** `ops-cli maintain` and `ops-cli archive` end to end on private databases, index base and topics. */
describe('ops-cli maintain / archive', () => {
  let dbs: TestDatabases;
  let ch: ClickHouseTestDatabase;
  let dir: string;
  const tag = randomTag();
  let env: Record<string, string>;
  let logged: string[];
  let log: jest.SpyInstance;

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    ch = await createClickHouseTestDatabase(clickHouseConfigFromEnv(process.env));
    await new ClickHouseProjectionSink(ch.gateway, ch.config.database).prepare();
    dir = await mkdtemp(join(tmpdir(), 'shardline-maintain-'));
    env = {
      SHARDLINE_SHARDS: dbs.shardUrls(),
      SHARDLINE_CONTROL_URL: dbs.controlUrl(),
      SHARDLINE_ARCHIVE_DIR: dir,
      SHARDLINE_CLICKHOUSE_DATABASE: ch.config.database,
      SHARDLINE_ES_INDEX: `${tag}-records`,
      SHARDLINE_EVENTS_TOPIC: `${tag}.records.events`,
      SHARDLINE_EVENTS_DLQ_TOPIC: `${tag}.records.events.dlq`,
      SHARDLINE_COMMANDS_TOPIC: `${tag}.records.commands`,
      SHARDLINE_COMMAND_RESULTS_TOPIC: `${tag}.records.command-results`,
    };
  });
  beforeEach(() => {
    logged = [];
    log = jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  });
  afterEach(() => log.mockRestore());
  afterAll(async () => {
    await dbs?.drop();
    await ch?.drop();
    const es = testEsClient();
    await dropIndexBase(es, `${tag}-records`);
    await es.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every store and reports each (nothing to export, the rollup of settled days, an empty search index, topics not created yet)', async () => {
    expect(await maintainCommand(['--json', '--lookback-days', '2'], env)).toBe(0);
    const report = JSON.parse(logged.join('\n'));
    expect(report.mysql).toEqual({ exported: [] });
    expect(report.clickhouse.rollup.rolled).toHaveLength(2);
    expect(report.clickhouse.dropped).toEqual([]);
    expect(report.elasticsearch.rollover).toMatchObject({ primaryShardDocs: 0 });
    expect(report.elasticsearch.retention).toMatchObject({ deleted: [] });
    expect(report.kafka.map((t: { topic: string; missing?: boolean }) => [t.topic, t.missing])).toEqual([
      [`${tag}.records.events`, true],
      [`${tag}.records.events.dlq`, true],
      [`${tag}.records.events.dlq.resends`, true],
      [`${tag}.records.commands`, true],
      [`${tag}.records.command-results`, true],
    ]);
  }, 60_000);

  it('refuses bad usage with exit 2, and archive drop without --confirm or inside the hot window', async () => {
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await maintainCommand(['--only', 'postgres'], env)).toBe(2);
      expect(await archiveCommand(['drop', '--month', '202501'], env)).toBe(2);
      const month = new Date().toISOString().slice(0, 7).replace('-', '');
      await expect(archiveCommand(['drop', '--month', month, '--confirm'], env)).rejects.toThrow(/hot window/);
      expect(await archiveCommand(['verify'], env)).toBe(0);
    } finally {
      err.mockRestore();
    }
  });
});
