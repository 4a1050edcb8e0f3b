import { ElasticsearchRecordSearch, ElasticsearchRecordsSink } from '@shardline/projection-elasticsearch';
import { readModelContract } from '@shardline/testing/contracts';
import { dropIndexBase, randomTag, testEsClient } from '../projections/projection-fixtures';

readModelContract('Elasticsearch (sink + search port)', { search: true, analytics: false }, async () => {
  const client = testEsClient();
  const base = `${randomTag()}-records`;
  return {
    sink: new ElasticsearchRecordsSink({ client, indexBase: base }),
    search: new ElasticsearchRecordSearch(client, base),
    settle: async () => void (await client.indices.refresh({ index: base })),
    close: async () => {
      await dropIndexBase(client, base);
      await client.close();
    },
  };
});
