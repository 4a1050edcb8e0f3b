import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka, ensureTopics, kafkaConfigFromEnv } from '@shardline/kafka';
import type { TestDatabases } from '../support/test-databases';

export const ES_URL = process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200';
export const CH_URL = process.env.SHARDLINE_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

/** Private names for one test file: topics, consumer groups, index base, ClickHouse database, cache keys. */
export function pipelineNames() {
  const tag = randomBytes(4).toString('hex');
  return {
    tag,
    events: `t${tag}.records.events`,
    deadLetter: `t${tag}.records.events.dlq`,
    commands: `t${tag}.records.commands`,
    results: `t${tag}.records.command-results`,
    groupPrefix: `t${tag}-projection-`,
    esIndex: `t${tag}-records`,
    chDatabase: `t${tag}_analytics`,
    cachePrefix: `t${tag}:record:`,
  };
}
export type PipelineNames = ReturnType<typeof pipelineNames>;

export async function createPipelineTopics(names: PipelineNames): Promise<Kafka> {
  const kafka = createKafka(kafkaConfigFromEnv(process.env, `test-${names.tag}`));
  await ensureTopics(kafka, [
    { topic: names.events, numPartitions: 4 },
    { topic: names.deadLetter, numPartitions: 1 },
    { topic: names.commands, numPartitions: 2 },
    { topic: names.results, numPartitions: 2 },
  ]);
  return kafka;
}

/** Environment shared by every app of the pipeline under test. */
export function pipelineEnv(names: PipelineNames, dbs: TestDatabases): Record<string, string> {
  const firstShard = dbs.config.shards[0].database;
  return {
    SHARDLINE_SHARD_DB_PREFIX: firstShard.slice(0, -1),
    SHARDLINE_SHARD_COUNT: String(dbs.config.shards.length),
    SHARDLINE_CONTROL_DB: dbs.config.control.database,
    SHARDLINE_EVENTS_TOPIC: names.events,
    SHARDLINE_EVENTS_DLQ_TOPIC: names.deadLetter,
    SHARDLINE_PROJECTOR_GROUP_PREFIX: names.groupPrefix,
    SHARDLINE_ES_INDEX: names.esIndex,
    SHARDLINE_ES_REFRESH_INTERVAL: '200ms',
    SHARDLINE_CLICKHOUSE_DATABASE: names.chDatabase,
    SHARDLINE_CACHE_KEY_PREFIX: names.cachePrefix,
    SHARDLINE_COMMANDS_TOPIC: names.commands,
    SHARDLINE_COMMAND_RESULTS_TOPIC: names.results,
    SHARDLINE_COMMAND_INTAKE_GROUP_ID: `t${names.tag}-intake`,
    SHARDLINE_LOG_LEVEL: 'error',
    SHARDLINE_ACCESS_LOG: 'off',
  };
}

export async function clickhouse(sql: string): Promise<string[][]> {
  const response = await fetch(`${CH_URL}/?query=${encodeURIComponent(`${sql} FORMAT TabSeparated`)}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`clickhouse ${response.status}: ${text}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
}

/** Every document of the read alias: id -> {version, deleted}. Small test data sets only (< 10,000). */
export async function elasticsearchDocuments(alias: string): Promise<Map<string, { version: number; deleted: boolean }>> {
  await fetch(`${ES_URL}/${alias}/_refresh`, { method: 'POST' });
  // Paged by record_id: one search stops at index.max_result_window (10,000 hits), fewer than the
  // kill -9 and rebuild tests write together.
  const docs = new Map<string, { version: number; deleted: boolean }>();
  let after: unknown[] | undefined;
  for (;;) {
    const response = await fetch(`${ES_URL}/${alias}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 5000, version: true, _source: ['deleted'], query: { match_all: {} }, sort: [{ record_id: 'asc' }], ...(after ? { search_after: after } : {}) }),
    });
    if (!response.ok) throw new Error(`search ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { hits: { hits: { _id: string; _version: number; _source: { deleted?: boolean }; sort: unknown[] }[] } };
    for (const h of body.hits.hits) docs.set(h._id, { version: h._version, deleted: h._source.deleted === true });
    if (body.hits.hits.length < 5000) return docs;
    after = body.hits.hits[body.hits.hits.length - 1].sort;
  }
}

export async function dropReadModels(names: PipelineNames): Promise<void> {
  await deleteIndices(ES_URL, names.esIndex);
  await clickhouse(`DROP DATABASE IF EXISTS ${names.chDatabase}`).catch(() => undefined);
}

/** Deletes the indices and templates starting with `base` (wildcard deletes are refused by default). */
export async function deleteIndices(esUrl: string, base: string): Promise<void> {
  const listed = await fetch(`${esUrl}/_cat/indices/${base}*?h=index&format=json`).then((r) => r.json() as Promise<{ index: string }[]>).catch(() => []);
  for (const { index } of listed) await fetch(`${esUrl}/${index}`, { method: 'DELETE' }).catch(() => undefined);
  const templates = await fetch(`${esUrl}/_index_template/${base}*`)
    .then((r) => r.json() as Promise<{ index_templates?: { name: string }[] }>)
    .catch(() => ({ index_templates: [] }));
  for (const { name } of templates.index_templates ?? []) await fetch(`${esUrl}/_index_template/${name}`, { method: 'DELETE' }).catch(() => undefined);
}
