import { InMemoryCommitPoints } from '@shardline/commit-points';
import { commitPointsContract } from '@shardline/testing/contracts';

commitPointsContract('in-memory', async () => ({ points: new InMemoryCommitPoints(), close: async () => {} }));
