import { parseArgs } from 'node:util';
import { maintainClickHouse } from './clickhouse-maintenance';
import { rollUpSummary } from '@shardline/projection-clickhouse';
import { maintainElasticsearch } from './elasticsearch-maintenance';
import { maintainKafka } from './kafka-maintenance';
import { exportColdMonths } from './mysql-archive';

export const MAINTAINED_STORES = ['mysql', 'clickhouse', 'elasticsearch', 'kafka'] as const;
type Store = (typeof MAINTAINED_STORES)[number];

/**
 * `ops-cli maintain [--only mysql,clickhouse,…] [--lookback-days N] [--json]`: the data-lifecycle
 * job (run it daily beside `partitions`, which keeps the shards' event partitions and idempotency
 * keys): cold event months exported (never dropped here: `archive drop`), read-model retention,
 * the ClickHouse daily rollup, Kafka topic retention (`--only clickhouse` every 10 minutes as well:
 * the current day rolled up to its last settled slot, docs/adr/0009). Each store's retention comes from its
 * variables (README, Data lifecycle).
 * Exit 0 done, 1 a store failed (the others still ran), 2 usage.
 */
export async function maintainCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let values: { only?: string; 'lookback-days'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { only: { type: 'string' }, 'lookback-days': { type: 'string' }, json: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: ops-cli maintain [--only ${MAINTAINED_STORES.join(',')}] [--lookback-days N] [--json]`);
    return 2;
  }
  const stores = (values.only?.split(',') ?? [...MAINTAINED_STORES]) as Store[];
  const unknown = stores.filter((s) => !(MAINTAINED_STORES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    console.error(`unknown store(s) ${unknown.join(', ')}: one of ${MAINTAINED_STORES.join(', ')}`);
    return 2;
  }
  const storeEnv = values['lookback-days'] === undefined ? env : { ...env, SHARDLINE_ROLLUP_LOOKBACK_DAYS: values['lookback-days'] };
  const report: Record<string, unknown> = {};
  let failed = false;
  for (const store of stores) {
    try {
      if (store === 'mysql') {
        const r = await exportColdMonths(storeEnv);
        report.mysql = { exported: r };
        if (!values.json) console.log(`mysql: cold months exported [${r.map((m) => `${m.database}/${m.month_key} ${m.rows} events`).join(', ') || 'none'}] (dropped only by ops-cli archive drop)`);
      }
      if (store === 'clickhouse') {
        const r = await maintainClickHouse(storeEnv);
        report.clickhouse = r;
        if (!values.json) {
          console.log(`clickhouse: partitions dropped [${r.dropped.map((d) => `${d.table}/${d.partition}`).join(', ') || 'none'}]`);
          console.log(`clickhouse: ${rollUpSummary(r.rollup)}`);
        }
      }
      if (store === 'elasticsearch') {
        const r = await maintainElasticsearch(storeEnv);
        report.elasticsearch = r;
        if (!values.json) {
          const size = `${(r.rollover.primaryShardBytes / 1024 ** 3).toFixed(2)} GiB and ${r.rollover.primaryShardDocs} documents per primary shard (${r.rollover.primaryShards} shards)`;
          console.log(`elasticsearch: current index ${r.rollover.index}: ${size}${r.rollover.cutoff ? `; next segment from ${r.rollover.cutoff}` : ''}`);
          if (r.retention) console.log(`elasticsearch: months before ${r.retention.retainFrom} deleted [${r.retention.deleted.join(', ') || 'none'}]`);
        }
      }
      if (store === 'kafka') {
        const r = await maintainKafka(storeEnv);
        report.kafka = r;
        if (!values.json) {
          for (const t of r) {
            const what = t.missing ? 'not created yet' : Object.entries(t.changed).map(([k, [from, to]]) => `${k} ${from} → ${to}`).join(', ') || 'as configured';
            console.log(`kafka: ${t.topic}: ${what}`);
          }
        }
      }
    } catch (error) {
      failed = true;
      report[store] = { error: (error as Error).message };
      console.error(`${store}: ${(error as Error).message}`);
    }
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  return failed ? 1 : 0;
}
