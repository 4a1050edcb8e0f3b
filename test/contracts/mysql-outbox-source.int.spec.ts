import { MysqlEventStore, type MysqlInlineProjection } from '@shardline/event-store/mysql';
import { MysqlOutboxSource } from '@shardline/outbox-relay/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { outboxSourceContract } from '@shardline/testing/contracts';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabases } from '../support/test-databases';

const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

outboxSourceContract('MySQL (MariaDB shard behind a TCP proxy)', async () => {
  const testDbs = await createTestDatabases(1);
  const target = testDbs.config.shards[0];
  const proxy = new TcpProxy(target.host, target.port);
  const port = await proxy.start();
  const databases = new ShardDatabases(testDbs.withShardAt(0, '127.0.0.1', port));
  return {
    source: new MysqlOutboxSource(databases, 0),
    store: new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 100, windowMs: 2, maxInFlight: 2 } }),
    shard: 0,
    cut: async (down) => (down ? proxy.stop() : void (await proxy.start(port))),
    close: async () => {
      await databases.destroy();
      await proxy.stop();
      await testDbs.drop();
    },
  };
});
