import { InMemoryCommitPoints } from '@shardline/commit-points';
import { commitPointsContract } from './commit-points.contract';

commitPointsContract('in-memory', async () => ({ points: new InMemoryCommitPoints(), close: async () => {} }));
