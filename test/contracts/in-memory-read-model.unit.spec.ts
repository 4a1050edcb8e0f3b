import { InMemoryRecordsReadModel } from '@shardline/testing';
import { readModelContract } from '@shardline/testing/contracts';

readModelContract('in-memory', { search: true, analytics: true }, async () => {
  const model = new InMemoryRecordsReadModel();
  return { sink: model, search: model, analytics: model, close: async () => {} };
});
