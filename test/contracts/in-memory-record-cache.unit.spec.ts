import { InMemoryRecordCacheStore, InMemoryWriterRegistry } from '@shardline/records-cache';
import { recordCacheContract } from '@shardline/testing/contracts';

recordCacheContract('in-memory', async () => {
  const writers = new InMemoryWriterRegistry(() => Date.now());
  return { store: new InMemoryRecordCacheStore(writers), writers, close: async () => {} };
});
