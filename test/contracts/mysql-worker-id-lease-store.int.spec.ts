import { MysqlWorkerIdLeaseStore } from '@shardline/ids/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from '../support/test-databases';
import { workerIdLeaseStoreContract } from '@shardline/testing/contracts';

let dbs: TestDatabases;
let databases: ShardDatabases;
beforeAll(async () => {
  dbs = await createTestDatabases(1);
  databases = new ShardDatabases(dbs.config);
});
afterAll(async () => {
  await databases?.destroy();
  await dbs?.drop();
});

workerIdLeaseStoreContract('mysql (control database)', async () => ({
  store: new MysqlWorkerIdLeaseStore(databases.control),
  // Each test starts with no leases.
  close: async () => void (await databases.control('snowflake_worker_leases').delete()),
}));
