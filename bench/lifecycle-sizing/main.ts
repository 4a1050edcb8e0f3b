/**
 * Bytes per record on disk in each read model, for the sizing arithmetic of README → Data lifecycle:
 * N records (default 200,000; data_content of ~300 bytes JSON: 8 fields, words, numbers, a nested
 * object, like the seed's business payloads) projected through the real sinks into a private
 * Elasticsearch index base (the project's mapping, 1 primary shard, force-merged to one segment)
 * and a private ClickHouse database (after OPTIMIZE … FINAL), content in clear (sealed content is
 * base64 ciphertext: larger and incompressible, see the note printed at the end).
 *
 *   flock /tmp/bench.lock scripts/with-node tsx bench/lifecycle-sizing/main.ts [records=200000]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { firstIdAt } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { ClickHouseProjectionSink, clickHouseConfigFromEnv, createClickHouseGateway, sqlIdentifier } from '@shardline/projection-clickhouse';
import { createElasticsearchClient, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu lamp wombat order invoice shipment'.split(' ');

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 200_000);
  const tag = `bench${randomBytes(3).toString('hex')}`;
  const es = createElasticsearchClient({ url: process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200', requestTimeoutMs: 600_000, maxRetries: 1 });
  const chConfig = { ...clickHouseConfigFromEnv(process.env), database: `${tag}_sizing`, requestTimeoutMs: 600_000 };
  const ch = createClickHouseGateway(chConfig);
  const esSink = new ElasticsearchRecordsSink({ client: es, indexBase: `${tag}-records`, index: { refreshInterval: '30s' } });
  const chSink = new ClickHouseProjectionSink(ch, chConfig.database);
  let seed = 1;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const word = () => WORDS[rand(WORDS.length)];
  try {
    await esSink.prepare();
    await chSink.prepare();
    const start = Date.now() - total; // one record per millisecond, all in this month or the last
    let bytes = 0;
    for (let i = 0; i < total; i += 5000) {
      const batch: RecordEventEnvelope[] = [];
      for (let j = i; j < Math.min(total, i + 5000); j++) {
        const at = new Date(start + j);
        const id = (BigInt(firstIdAt(at)) + BigInt(j % 4096)).toString();
        const content = {
          sku: `${word().toUpperCase()}-${rand(10_000)}`,
          title: `${word()} ${word()} ${word()}`,
          note: Array.from({ length: 8 }, word).join(' '),
          qty: rand(100),
          price: rand(1_000_000) / 100,
          status: ['new', 'paid', 'shipped', 'returned'][rand(4)],
          tags: [word(), word()],
          customer: { city: word(), tier: rand(5), ref: randomUUID().slice(0, 8) },
        };
        bytes += JSON.stringify(content).length;
        const business = `biz-${rand(10) < 6 ? rand(5) : 5 + rand(995)}`;
        batch.push({
          envelope_version: 1, event_id: randomUUID(), event_type: 'RecordCreated', schema_version: 1, stream_id: `record-${id}`, stream_version: 1, shard: j % 4,
          position: String(j + 1), business_id: business, user_id: String(1 + rand(100_000)), record_id: id, occurred_at: at.toISOString(), command_id: randomUUID(),
          correlation_id: randomUUID(), causation_id: null, actor: 'key_bench', data: { id, business_id: business, user_id: '1', data_content: content, created_time: at.toISOString() },
        });
      }
      const [a, b] = await Promise.all([esSink.apply(batch), chSink.apply(batch)]);
      if (a.length + b.length > 0) throw new Error(`rejected: ${JSON.stringify([...a, ...b][0].reason)}`);
    }
    const pattern = `${tag}-records-*`;
    await es.indices.refresh({ index: pattern });
    await es.indices.forcemerge({ index: pattern, max_num_segments: 1 });
    const stats = await es.indices.stats({ index: pattern, metric: ['docs', 'store'] });
    const esBytes = stats._all.primaries?.store?.size_in_bytes ?? 0;
    const esDocs = stats._all.primaries?.docs?.count ?? 0;
    for (const table of ['record_events', 'records_latest']) await ch.command(`OPTIMIZE TABLE ${sqlIdentifier(chConfig.database)}.${sqlIdentifier(table)} FINAL`);
    const parts = await ch.select<{ table: string; rows: string; c: string; u: string }>(
      `SELECT table, toString(sum(rows)) AS rows, toString(sum(data_compressed_bytes)) AS c, toString(sum(data_uncompressed_bytes)) AS u FROM system.parts WHERE active AND database = '${chConfig.database}' GROUP BY table ORDER BY table`,
    );
    console.log(`records: ${total}, data_content JSON ${(bytes / total).toFixed(0)} B on average`);
    console.log(`elasticsearch: ${esDocs} docs, primary store ${(esBytes / 1e6).toFixed(1)} MB after force-merge = ${(esBytes / esDocs).toFixed(0)} B/doc`);
    for (const p of parts.filter((x) => Number(x.rows) > 0)) {
      console.log(`clickhouse ${p.table}: ${p.rows} rows, ${(Number(p.c) / 1e6).toFixed(1)} MB compressed = ${(Number(p.c) / Number(p.rows)).toFixed(0)} B/row (${(Number(p.u) / Number(p.rows)).toFixed(0)} B/row uncompressed)`);
    }
  } finally {
    const indices = Object.keys(await es.indices.get({ index: [`${tag}-records-*`, `${tag}-records_projection_state`], allow_no_indices: true, ignore_unavailable: true }));
    if (indices.length > 0) await es.indices.delete({ index: indices });
    const templates = await es.indices.getIndexTemplate({ name: `${tag}*` }).catch(() => ({ index_templates: [] }));
    for (const t of templates.index_templates) await es.indices.deleteIndexTemplate({ name: t.name });
    await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(chConfig.database)}`).catch(() => undefined);
    await es.close();
    await ch.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
