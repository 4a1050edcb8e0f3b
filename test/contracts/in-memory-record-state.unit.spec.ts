import { InMemoryCommitPoints } from '@shardline/commit-points';
import { InMemoryEventStore } from '@shardline/event-store';
import { InMemoryRecordState, type RecordStateChange } from '@shardline/records';
import { recordStateContract } from '@shardline/testing/contracts';

recordStateContract('in-memory', async () => {
  const commitPoints = new InMemoryCommitPoints();
  const reader = new InMemoryRecordState(commitPoints);
  return { store: new InMemoryEventStore<RecordStateChange>(2, reader), reader, commitPoints, close: async () => {} };
});
