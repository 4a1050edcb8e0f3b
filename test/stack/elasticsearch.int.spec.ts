// Smoke test: index and search a document on Elasticsearch 8 (127.0.0.1:9200) with the official
// 8.x client, which rejects any server that does not send `x-elastic-product: Elasticsearch`
// (ProductNotSupportedError) — so this also proves it is the real thing.
// The native stack's distribution has no `GET /` (client.info()/ping()): use cluster.health().
import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';

const node = process.env.SHARDLINE_ES_URL ?? 'http://127.0.0.1:9200';

describe('stack: Elasticsearch', () => {
  const client = new Client({ node, requestTimeout: 30_000 });
  const suffix = randomUUID().slice(0, 8);
  const index = `stack-smoke-${suffix}-2024.01`;
  const alias = `stack-smoke-${suffix}`;

  afterAll(async () => {
    await client.indices.delete({ index, ignore_unavailable: true }).catch(() => undefined);
    await client.close();
  });

  it('answers cluster health with the product header', async () => {
    const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: '10s' });
    expect(['green', 'yellow']).toContain(health.status);
  });

  it('indexes with an external version and finds the document through an alias', async () => {
    await client.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        properties: {
          business_id: { type: 'keyword' },
          title: { type: 'text' },
          created_at: { type: 'date' },
          amount: { type: 'long' },
        },
      },
      aliases: { [alias]: {} },
    });
    const bulk = await client.bulk({
      refresh: 'wait_for',
      operations: [
        { index: { _index: index, _id: 'biz-1', version: 3, version_type: 'external' } },
        { business_id: 'biz-1', title: 'shardline smoke document', created_at: '2024-01-15T10:00:00Z', amount: 7 },
        { index: { _index: index, _id: 'biz-2', version: 1, version_type: 'external' } },
        { business_id: 'biz-2', title: 'another record', created_at: '2024-01-16T10:00:00Z', amount: 5 },
      ],
    });
    expect(bulk.errors).toBe(false);

    const res = await client.search<{ business_id: string }>({
      index: alias,
      query: {
        bool: {
          must: [{ match: { title: 'smoke' } }],
          filter: [{ range: { created_at: { gte: '2024-01-01', lt: '2024-02-01' } } }, { term: { business_id: 'biz-1' } }],
        },
      },
      sort: [{ created_at: 'asc' }, { business_id: 'asc' }],
      aggs: { per_day: { date_histogram: { field: 'created_at', calendar_interval: 'day' } } },
    });
    expect(res.hits.hits.map((h) => h._source?.business_id)).toEqual(['biz-1']);
    expect(res.hits.hits[0]._version ?? 3).toBe(3);
    const buckets = (res.aggregations?.per_day as { buckets: Array<{ doc_count: number }> }).buckets;
    expect(buckets.map((b) => b.doc_count)).toEqual([1]);
  });
});
