import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchRecordsSink, ElasticsearchUserErasure } from '@shardline/projection-elasticsearch';
import { allDocuments, dropIndexBase, randomTag, RecordStory, testEsClient } from './projection-fixtures';

describe('ElasticsearchUserErasure', () => {
  let client: Client;
  let base: string;

  beforeAll(async () => {
    client = testEsClient();
    base = `${randomTag()}-records`;
  });
  afterAll(async () => {
    await dropIndexBase(client, base);
    await client.close();
  });

  it("deletes the user's documents in every generation, keeps the others; repeating finds nothing", async () => {
    const sink = new ElasticsearchRecordsSink({ client, indexBase: base });
    await sink.prepare();
    const mine = [1, 2, 3].map((i) => new RecordStory(`erase-biz-${i}`, '601', { secret: 'mine' }).update({ secret: 'mine too' }));
    const theirs = [1, 2].map((i) => new RecordStory(`erase-biz-${i}`, '602', { secret: 'theirs' }));
    expect(await sink.apply([...mine, ...theirs].flatMap((s) => s.events))).toEqual([]);
    // A retired generation beside the live one holds the same records (e.g. before a rebuild's promote).
    const retired = `${base}-r20260101000000-2026.01`;
    await client.index({ index: retired, id: mine[0].id, document: { record_id: mine[0].id, user_id: '601', data_text: 'mine' }, refresh: true });

    const erasure = new ElasticsearchUserErasure(client, base);
    expect(await erasure.eraseUser('601')).toBe(4);
    const left = [...(await allDocuments(client, `${base}-*`)).values()];
    expect(left.map((d) => d.user_id)).toEqual(['602', '602']);
    expect(await erasure.eraseUser('601')).toBe(0);
  });
});
