import { envelopesOfJsonl, exportEvents, RecordedEventLog } from '@shardline/event-export';
import { type EventLogReader, InMemoryEventStore } from '@shardline/event-store';
import { eventLogReaderContract } from '@shardline/testing/contracts';

/**
 * A recording is an event log too: whatever the store holds when a read comes, exported as JSONL
 * envelopes (the CLI's export), read back from the text (envelopesOfJsonl) into a RecordedEventLog,
 * must page exactly as the store's own log does.
 */
eventLogReaderContract('RecordedEventLog (the store exported to JSONL and read back)', async () => {
  const store = new InMemoryEventStore<unknown>(2);
  const recorded = async (): Promise<RecordedEventLog> => {
    let text = '';
    await exportEvents(store, [0, 1], {}, async (page) => void (text += page), { batchSize: 4 });
    return RecordedEventLog.of(envelopesOfJsonl([text]));
  };
  const reader: EventLogReader = { readEventsAfter: async (shard, after, limit) => (await recorded()).readEventsAfter(shard, after, limit) };
  return { store, reader, close: async () => {} };
});
