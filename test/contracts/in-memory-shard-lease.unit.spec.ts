import { InMemoryLeaseBoard } from '@shardline/outbox-relay';
import { shardLeaseContract } from '@shardline/testing/contracts';

shardLeaseContract('in-memory lease board', async () => {
  const board = new InMemoryLeaseBoard();
  let n = 0;
  return { contender: () => board.lease(0, `relay-${++n}`), lose: async () => board.revoke(), close: async () => {} };
});
