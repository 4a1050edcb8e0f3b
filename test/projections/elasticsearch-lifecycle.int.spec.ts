import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { firstIdAt } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { ElasticsearchIndexLifecycle, ElasticsearchRecordSearch, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { allDocuments, dropIndexBase, randomTag, testEsClient } from './projection-fixtures';

/**
 * Size-driven rollover of the records indices and their retention (ops-cli maintain), against the
 * real engine: the read alias and search_after paging see one document per record across the
 * segments, updates land where their record lives, expired months are deleted and stay deleted.
 */
describe('Elasticsearch index lifecycle', () => {
  let client: Client;
  let base: string;
  let sink: ElasticsearchRecordsSink;
  let seq = 0;

  const recordAt = (at: Date) => (BigInt(firstIdAt(at)) + BigInt(++seq)).toString();
  const event = (recordId: string, version: number, note: string): RecordEventEnvelope => ({
    envelope_version: 1,
    event_id: randomUUID(),
    event_type: version === 1 ? 'RecordCreated' : 'RecordUpdated',
    schema_version: 1,
    stream_id: `record-${recordId}`,
    stream_version: version,
    shard: 0,
    position: String(++seq),
    business_id: 'lifecycle-biz',
    user_id: '7',
    record_id: recordId,
    occurred_at: new Date().toISOString(),
    command_id: randomUUID(),
    correlation_id: randomUUID(),
    causation_id: null,
    actor: null,
    data: { id: recordId, business_id: 'lifecycle-biz', user_id: '7', data_content: { note }, updated_time: new Date().toISOString() },
  });
  const searchAll = async (pageSize: number) => {
    await client.indices.refresh({ index: base });
    const search = new ElasticsearchRecordSearch(client, base);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search.searchRecords({ business_id: 'lifecycle-biz', sort: 'created_time_desc', page_size: pageSize, search_after: cursor });
      ids.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return ids;
  };

  beforeAll(async () => {
    client = testEsClient();
    base = `${randomTag()}-records`;
    sink = new ElasticsearchRecordsSink({ client, indexBase: base });
    await sink.prepare();
  });
  afterAll(async () => {
    await dropIndexBase(client, base);
    await client.close();
  });

  it('rolls the current month over to a new segment once a primary shard is past the policy; the alias and search_after paging see every record once; updates stay in their segment', async () => {
    const lifecycle = new ElasticsearchIndexLifecycle(client, base);
    const before = Array.from({ length: 20 }, () => recordAt(new Date(Date.now() - 1000)));
    expect(await sink.apply(before.map((id) => event(id, 1, 'first')))).toEqual([]);
    await client.indices.refresh({ index: base });
    const month = new Date().toISOString().slice(0, 7).replace('-', '.');
    // The cutoff lies leadMs ahead; the second call below must come before it, even on a busy machine (1 s was not enough at load 10).
    const policy = { maxPrimaryShardBytes: 1024 ** 4, maxPrimaryShardDocs: 10, leadMs: 5000 };

    const first = await lifecycle.rolloverIfDue(policy);
    expect(first).toMatchObject({ index: `${base}-${month}`, primaryShards: 1, primaryShardDocs: 20, cutoff: expect.any(String) });
    // A second run while the cutoff is ahead adds nothing.
    expect((await lifecycle.rolloverIfDue(policy)).cutoff).toBe(first.cutoff);
    expect((await sink.generationState()).rollovers).toEqual([first.cutoff]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(first.cutoff!) - Date.now() + 50)));
    const after = Array.from({ length: 15 }, () => recordAt(new Date()));
    expect(await sink.apply([...after.map((id) => event(id, 1, 'second')), ...before.slice(0, 5).map((id) => event(id, 2, 'updated'))])).toEqual([]);

    const docs = await allDocuments(client, base);
    expect(docs.size).toBe(35);
    for (const id of before) expect(docs.get(id)!._index).toBe(`${base}-${month}`);
    for (const id of after) expect(docs.get(id)!._index).toBe(`${base}-${month}-1`);
    for (const id of before.slice(0, 5)) expect(docs.get(id)).toMatchObject({ version: 2, data_content: { note: 'updated' } });
    // The segment came from the generation's template: same mapping, same aliases.
    const aliases = await client.indices.getAlias({ index: `${base}-${month}-1` });
    expect(Object.keys(aliases[`${base}-${month}-1`].aliases).sort()).toEqual([base, `${base}-gen-initial`]);

    const paged = await searchAll(7);
    expect(paged).toHaveLength(35);
    expect(new Set(paged).size).toBe(35);
    expect(paged).toEqual([...before, ...after].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1)));
    // The next run measures the new segment.
    expect(await lifecycle.rolloverIfDue({ ...policy, maxPrimaryShardDocs: 100 })).toMatchObject({ index: `${base}-${month}-1`, primaryShardDocs: 15 });
  }, 60_000);

  it('deletes the months past retention; an event of a record created before them is not indexed again, so search answers without it', async () => {
    const old = recordAt(new Date('2025-06-15T00:00:00Z'));
    const kept = recordAt(new Date('2025-11-15T00:00:00Z'));
    expect(await sink.apply([event(old, 1, 'old'), event(kept, 1, 'kept')])).toEqual([]);
    const lifecycle = new ElasticsearchIndexLifecycle(client, base, () => new Date('2026-12-02T10:00:00Z'));
    const report = await lifecycle.deleteExpired(13);
    expect(report).toEqual({ retainFrom: 202511, deleted: [`${base}-2025.06`] });
    expect(await client.indices.exists({ index: `${base}-2025.06` })).toBe(false);
    expect(await sink.apply([event(old, 2, 'updated after expiry')])).toEqual([]);
    expect(await client.indices.exists({ index: `${base}-2025.06` })).toBe(false);
    const ids = await searchAll(100);
    expect(ids).toContain(kept);
    expect(ids).not.toContain(old);
    expect((await sink.generationState()).retainFrom).toBe(202511);
  }, 60_000);
});
