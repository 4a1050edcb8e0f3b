import type { Client } from '@elastic/elasticsearch';
import { timeOfId } from '@shardline/ids';
import { createElasticsearchClient, ElasticsearchRecordSearch, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { InvalidSearchQueryError, type RecordSearchItem } from '@shardline/read-models';
import { allDocuments, dropIndexBase, randomTag, RecordStory, shuffle, testEsClient } from './projection-fixtures';

/** The Elasticsearch records sink and search adapter against the real engine (no Kafka here). */
describe('Elasticsearch records projection', () => {
  let client: Client;
  let base: string;
  let sink: ElasticsearchRecordsSink;

  beforeAll(async () => {
    client = testEsClient();
    base = `${randomTag()}-records`;
    sink = new ElasticsearchRecordsSink({ client, indexBase: base });
    await sink.prepare();
    await sink.prepare(); // idempotent
  });
  afterAll(async () => {
    await dropIndexBase(client, base);
    await client.close();
  });

  it('keeps data_content in _source only: many distinct keys add no mapping fields, the keyword search reaches it through data_text', async () => {
    const stories = Array.from({ length: 50 }, (_, i) => new RecordStory(`biz-map-${i}`, '1', Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`key_${i}_${k}`, { deep: `leaf${i}x${k}` }]))));
    expect(await sink.apply(stories.flatMap((s) => s.events))).toEqual([]);
    const mapping = await client.indices.getMapping({ index: base });
    for (const index of Object.values(mapping)) {
      expect(Object.keys(index.mappings.properties!).sort()).toEqual(['business_id', 'created_time', 'data_content', 'data_text', 'deleted', 'record_id', 'updated_time', 'user_id', 'version']);
      expect(index.mappings.properties!.data_content).toEqual({ type: 'object', enabled: false });
    }
    await client.indices.refresh({ index: base });
    // Not indexed: a path query finds nothing...
    const byPath = await client.search({ index: base, query: { term: { 'data_content.key_3_7.deep': 'leaf3x7' } } });
    expect(byPath.hits.hits).toEqual([]);
    // ...the search API's keyword finds the record through data_text, and the content comes back whole.
    const search = new ElasticsearchRecordSearch(client, base);
    const page = await search.searchRecords({ keyword: 'leaf3x7', sort: 'relevance', page_size: 10 });
    expect(page.items.map((item) => [item.id, item.data_content])).toEqual([[stories[3].id, stories[3].currentContent]]);
  });

  it('converges to the same documents and versions whatever the duplicates and the order', async () => {
    const stories = Array.from({ length: 30 }, (_, i) => {
      const s = new RecordStory(`biz-order-${i % 3}`, String(100 + i), { n: 0 });
      for (let v = 1; v <= i % 4; v++) s.update({ n: v });
      if (i % 5 === 0) s.delete();
      return s;
    });
    const events = stories.flatMap((s) => s.events);
    expect(await sink.apply(shuffle([...events, ...events, ...events.slice(0, 10)], 11))).toEqual([]);
    expect(await sink.apply(shuffle(events, 3))).toEqual([]);
    const docs = await allDocuments(client, `${base}-gen-initial`);
    for (const s of stories) {
      const doc = docs.get(s.id)!;
      expect(doc).toBeDefined();
      expect(doc._version).toBe(s.version);
      expect(doc.version).toBe(s.version);
      expect(doc.deleted).toBe(s.deleted);
      if (!s.deleted) expect(doc.data_content).toEqual(s.currentContent);
    }
  });

  it('never resurrects a deleted record, even after the gc_deletes window', async () => {
    const s = new RecordStory('biz-tomb', '5', { word: 'phoenix' }).update({ word: 'phoenix risen' }).delete();
    const [created, updated, deleted] = s.events;
    expect(await sink.apply([deleted])).toEqual([]);
    // With ES deletes the version would be forgotten after gc_deletes; the tombstone is a document, so it is not.
    await client.indices.putSettings({ index: `${base}-*`, settings: { 'index.gc_deletes': '0s' } });
    await client.indices.refresh({ index: base });
    expect(await sink.apply([updated, created])).toEqual([]);
    const docs = await allDocuments(client, base);
    expect(docs.get(s.id)).toMatchObject({ deleted: true, version: 3, _version: 3 });
    const search = new ElasticsearchRecordSearch(client, base);
    expect((await search.searchRecords({ keyword: 'phoenix', sort: 'relevance', page_size: 10 })).items).toEqual([]);
  });

  it('shows a moved record under its new business exactly once, whatever the order, and no longer under the old one', async () => {
    const source = new RecordStory('biz-move-from', '3', { word: 'okapi' }).update({ word: 'okapi moved' });
    const copy = RecordStory.movedIn(source, 'biz-move-to');
    source.moveOut(copy);
    const events = [...source.events, ...copy.events];
    expect(await sink.apply(shuffle([...events, ...events], 5))).toEqual([]);
    const docs = await allDocuments(client, base);
    expect(docs.get(source.id)).toMatchObject({ business_id: 'biz-move-from', deleted: true, version: 3, _version: 3 });
    expect(docs.get(copy.id)).toMatchObject({ business_id: 'biz-move-to', deleted: false, version: 1, data_content: { word: 'okapi moved' } });
    const search = new ElasticsearchRecordSearch(client, base);
    const found = await search.searchRecords({ keyword: 'okapi', sort: 'relevance', page_size: 10 });
    expect(found.items.map((i) => [i.id, i.business_id])).toEqual([[copy.id, 'biz-move-to']]);
  });

  it('rejects what the mapping cannot take, content that is not an object and unknown event types, and applies the rest of the batch', async () => {
    const good = new RecordStory('biz-reject', '9', { ok: true });
    const badContent = new RecordStory('biz-reject', '9');
    badContent.events[0] = { ...badContent.events[0], data: { ...badContent.events[0].data, data_content: 'not an object' } };
    // Elasticsearch itself refuses this one (a date field that does not parse): a 400 for the item.
    const badMapping = new RecordStory('biz-reject', '9', { ok: true }).update({ ok: false });
    const badUpdate = { ...badMapping.events[1], data: { ...badMapping.events[1].data, updated_time: 'not a date' } };
    const unknown = { ...new RecordStory('biz-reject').events[0], event_type: 'RecordTeleported' };
    const rejections = await sink.apply([badContent.events[0], badUpdate, good.events[0], unknown]);
    expect(rejections.map((r) => r.event.event_id).sort()).toEqual([badContent.events[0].event_id, badUpdate.event_id, unknown.event_id].sort());
    expect(rejections.find((r) => r.event === badContent.events[0])!.reason).toMatch(/data_content/);
    expect(rejections.find((r) => r.event === badUpdate)!.reason).toMatch(/elasticsearch rejected the document: .*updated_time/);
    expect(rejections.find((r) => r.event === unknown)!.reason).toMatch(/unknown event type RecordTeleported/);
    expect((await allDocuments(client, base)).get(good.id)).toMatchObject({ version: 1 });
  });

  it('throws (transient) when Elasticsearch cannot be reached, rejecting nothing', async () => {
    const down = createElasticsearchClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000, maxRetries: 0 });
    const offline = new ElasticsearchRecordsSink({ client: down, indexBase: base });
    await expect(offline.apply(new RecordStory('biz-down').events)).rejects.toThrow();
    await down.close();
  });

  describe('search adapter', () => {
    const business = 'biz-search';
    let search: ElasticsearchRecordSearch;
    let stories: RecordStory[];

    beforeAll(async () => {
      search = new ElasticsearchRecordSearch(client, base);
      stories = [];
      for (let i = 0; i < 57; i++) {
        const s = new RecordStory(i % 2 === 0 ? business : 'biz-search-other', String(1 + (i % 3)), { title: i % 4 === 0 ? `red apple ${i}` : `green pear ${i}`, n: i });
        if (i % 10 === 9) s.delete();
        stories.push(s);
        // Distinct creation milliseconds (ids carry the time) so the date-range bounds below are exact.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(await sink.apply(stories.flatMap((s) => s.events))).toEqual([]);
      await client.indices.refresh({ index: base });
    });

    async function walk(query: Parameters<ElasticsearchRecordSearch['searchRecords']>[0]): Promise<RecordSearchItem[]> {
      const all: RecordSearchItem[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await search.searchRecords({ ...query, search_after: cursor });
        expect(page.items.length).toBeLessThanOrEqual(query.page_size);
        all.push(...page.items);
        if (!page.next_cursor) return all;
        cursor = page.next_cursor;
      }
      throw new Error('too many pages');
    }

    const live = () => stories.filter((s) => !s.deleted);

    it('pages by created_time desc and asc with search_after: every match once, in order', async () => {
      const expected = live()
        .filter((s) => s.businessId === business)
        .map((s) => s.id);
      const desc = await walk({ business_id: business, sort: 'created_time_desc', page_size: 4 });
      expect(desc.map((i) => i.id)).toEqual([...expected].reverse());
      const asc = await walk({ business_id: business, sort: 'created_time_asc', page_size: 7 });
      expect(asc.map((i) => i.id)).toEqual(expected);
      expect(new Set(asc.map((i) => i.id)).size).toBe(asc.length);
      expect(asc[0]).toMatchObject({ business_id: business, version: 1, score: null });
    });

    it('filters by keyword, user and date range and sorts by relevance', async () => {
      const apples = await walk({ keyword: 'APPLE red', sort: 'relevance', page_size: 3 });
      const expectedApples = live().filter((s) => String(s.currentContent.title).startsWith('red apple'));
      expect(apples.map((i) => i.id).sort()).toEqual(expectedApples.map((s) => s.id).sort());
      expect(apples.every((i) => typeof i.score === 'number')).toBe(true);

      const user2 = await walk({ user_id: '2', business_id: business, sort: 'created_time_desc', page_size: 100 });
      expect(user2.map((i) => i.id).sort()).toEqual(live().filter((s) => s.userId === '2' && s.businessId === business).map((s) => s.id).sort());

      const middle = stories.slice(10, 30).filter((s) => !s.deleted);
      const from = timeOfId(middle[0].id).toISOString();
      const to = timeOfId(stories[30].id).toISOString();
      const ranged = await walk({ date_range: { from, to }, keyword: 'pear apple', sort: 'created_time_asc', page_size: 5 });
      expect(ranged).toEqual([]); // both words must match
      const inRange = await walk({ date_range: { from, to }, sort: 'created_time_asc', page_size: 5 });
      const expectedRange = stories.filter((s) => !s.deleted && BigInt(s.id) >= BigInt(middle[0].id) && BigInt(s.id) < BigInt(stories[30].id) && s.businessId.startsWith('biz-search'));
      expect(inRange.filter((i) => i.business_id.startsWith('biz-search')).map((i) => i.id)).toEqual(expectedRange.map((s) => s.id));
    });

    it('refuses a cursor it did not issue or one of another sort, and a page_size over 100', async () => {
      const page = await search.searchRecords({ business_id: business, sort: 'created_time_desc', page_size: 2 });
      expect(page.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      await expect(search.searchRecords({ sort: 'created_time_asc', page_size: 2, search_after: page.next_cursor! })).rejects.toBeInstanceOf(InvalidSearchQueryError);
      await expect(search.searchRecords({ sort: 'created_time_asc', page_size: 2, search_after: 'garbage!' })).rejects.toBeInstanceOf(InvalidSearchQueryError);
      await expect(search.searchRecords({ sort: 'created_time_asc', page_size: 101 })).rejects.toBeInstanceOf(InvalidSearchQueryError);
    });
  });
});
