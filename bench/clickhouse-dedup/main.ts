/**
 * How to count a ReplacingMergeTree correctly before merges, measured on the real schema:
 * FINAL vs uniqExact over the event identity vs GROUP BY the identity (raw events), and FINAL vs
 * argMax (latest state). Fills a private database server-side (INSERT ... SELECT FROM numbers),
 * with 10% of the events inserted again as duplicates in separate parts, then prints the best of
 * 5 runs per query and checks every strategy returns the same answer.
 *
 *   scripts/with-node tsx bench/clickhouse-dedup/main.ts [events=1200000]
 */
import { randomBytes } from 'node:crypto';
import {
  clickHouseConfigFromEnv,
  createClickHouseGateway,
  createDatabaseSql,
  createEventsTableSql,
  createLatestTableSql,
  liveTables,
  sqlIdentifier,
  sqlInt,
} from '@shardline/projection-clickhouse';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_200_000);
  const config = { ...clickHouseConfigFromEnv(process.env), database: `bench_${randomBytes(4).toString('hex')}`, requestTimeoutMs: 600_000 };
  const ch = createClickHouseGateway(config);
  const t = liveTables(config.database);
  try {
    await ch.command(createDatabaseSql(config.database));
    await ch.command(createEventsTableSql(t));
    await ch.command(createLatestTableSql(t));
    // Records with 3 events each (created, updated, updated-or-deleted), 200 businesses, 90 days.
    const blocks = 10;
    const perBlock = Math.floor(total / blocks / 3) * 3;
    for (let b = 0; b < blocks; b++) {
      await ch.command(`INSERT INTO ${t.events} (business_id, occurred_at, stream_id, stream_version, event_id, event_type, schema_version, record_id, user_id, shard, position, correlation_id, causation_id, actor, data)
SELECT concat('biz-', toString(rec % 200)), toDateTime('2026-01-01 00:00:00', 'UTC') + (rec % 90) * 86400 + ver * 60, concat('record-', toString(rec)), ver,
  concat('e', toString(rec), '-', toString(ver)), multiIf(ver = 1, 'RecordCreated', ver = 3 AND rec % 4 = 0, 'RecordDeleted', 'RecordUpdated'), 1, rec, rec % 5000 + 1, 0, rec * 3 + ver, '', '', '', '{"k":1}'
FROM (SELECT intDiv(number, 3) + ${sqlInt(b * (perBlock / 3))} AS rec, toUInt32(number % 3 + 1) AS ver FROM system.numbers LIMIT ${sqlInt(perBlock)})`);
    }
    await ch.command(`INSERT INTO ${t.events} SELECT * FROM ${t.events} WHERE record_id % 10 = 0`);
    await ch.command(`INSERT INTO ${t.latest} SELECT business_id, record_id, user_id, stream_version, event_type = 'RecordDeleted', toDateTime('2026-01-01 00:00:00', 'UTC') + (record_id % 90) * 86400, occurred_at, data FROM ${t.events}`);
    const [[raw], [latest]] = await Promise.all([t.events, t.latest].map((table) => ch.select<{ n: string }>(`SELECT count() AS n FROM ${table}`)));
    console.log(`raw rows (incl. duplicates): ${raw.n}; latest-state rows (one per event before merges): ${latest.n}`);

    const range = `event_date >= toDate('2026-01-01') AND event_date <= toDate('2026-03-31')`;
    const groups: [string, [string, string][]][] = [
      [
        'records per business per day, all businesses, 90 days',
        [
          ['raw FINAL + countIf', `SELECT business_id, event_date, countIf(event_type = 'RecordCreated') c, countIf(event_type = 'RecordDeleted') d, count() n FROM ${t.events} FINAL WHERE ${range} GROUP BY business_id, event_date ORDER BY business_id, event_date`],
          ['raw uniqExactIf(stream_id, stream_version)', `SELECT business_id, event_date, uniqExactIf((stream_id, stream_version), event_type = 'RecordCreated') c, uniqExactIf((stream_id, stream_version), event_type = 'RecordDeleted') d, uniqExact(stream_id, stream_version) n FROM ${t.events} WHERE ${range} GROUP BY business_id, event_date ORDER BY business_id, event_date`],
          ['raw GROUP BY identity, then count', `SELECT business_id, event_date, countIf(ty = 'RecordCreated') c, countIf(ty = 'RecordDeleted') d, count() n FROM (SELECT business_id, event_date, stream_id, stream_version, any(event_type) ty FROM ${t.events} WHERE ${range} GROUP BY business_id, event_date, stream_id, stream_version) GROUP BY business_id, event_date ORDER BY business_id, event_date`],
        ],
      ],
      [
        'records per day, one business, 90 days',
        [
          ['raw FINAL + countIf', `SELECT event_date, countIf(event_type = 'RecordCreated') c, count() n FROM ${t.events} FINAL WHERE business_id = 'biz-7' AND ${range} GROUP BY event_date ORDER BY event_date`],
          ['raw uniqExactIf(stream_id, stream_version)', `SELECT event_date, uniqExactIf((stream_id, stream_version), event_type = 'RecordCreated') c, uniqExact(stream_id, stream_version) n FROM ${t.events} WHERE business_id = 'biz-7' AND ${range} GROUP BY event_date ORDER BY event_date`],
        ],
      ],
      [
        'live records per business (latest state)',
        [
          ['latest FINAL', `SELECT business_id, count() n FROM ${t.latest} FINAL WHERE deleted = 0 GROUP BY business_id ORDER BY business_id`],
          ['latest argMax(deleted, version)', `SELECT business_id, count() n FROM (SELECT business_id, record_id, argMax(deleted, version) del FROM ${t.latest} GROUP BY business_id, record_id) WHERE del = 0 GROUP BY business_id ORDER BY business_id`],
        ],
      ],
      [
        'live records, one business (latest state)',
        [
          ['latest FINAL', `SELECT count() n FROM ${t.latest} FINAL WHERE business_id = 'biz-7' AND deleted = 0`],
          ['latest argMax(deleted, version)', `SELECT count() n FROM (SELECT record_id, argMax(deleted, version) del FROM ${t.latest} WHERE business_id = 'biz-7' GROUP BY record_id) WHERE del = 0`],
        ],
      ],
    ];
    for (const [title, queries] of groups) {
      console.log(`\n${title}`);
      let reference: string | undefined;
      for (const [name, sql] of queries) {
        let best = Infinity;
        let answer = '';
        for (let i = 0; i < 5; i++) {
          const start = process.hrtime.bigint();
          answer = JSON.stringify((await ch.select(sql)).map((r) => Object.values(r).map(String)));
          best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
        }
        reference ??= answer;
        console.log(`  ${name.padEnd(46)} best of 5: ${best.toFixed(1).padStart(7)} ms${answer === reference ? '' : '  (DIFFERENT ANSWER)'}`);
      }
    }
  } finally {
    await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(config.database)}`);
    await ch.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
