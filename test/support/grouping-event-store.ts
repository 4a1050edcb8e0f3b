import { Registry } from 'prom-client';
import { GroupCommitMetrics } from '@shardline/event-store';
import { MysqlEventStore, MysqlInlineProjection } from '@shardline/event-store/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { createTestDatabases, TestDatabases } from './test-databases';

/** No inline state: the tests of the event store itself look at events, outbox and command ids only. */
export const noState: MysqlInlineProjection<unknown> = { plan: () => [], planRelease: () => [], planDiscard: () => [] };

/**
 * A MySQL event store whose concurrent appends of one test form ONE group-commit transaction per
 * shard (a wide window, one transaction at a time), and the size of every group it wrote, in order
 * (the group-size metric, recorded): a test asserts its appends really shared a group.
 */
export function groupingEventStore(databases: ShardDatabases): { store: MysqlEventStore<unknown>; groupSizes: number[] } {
  const groupSizes: number[] = [];
  const metrics = new GroupCommitMetrics(new Registry());
  const recording = Object.assign(Object.create(metrics), { grouped: (_shard: number, size: number) => groupSizes.push(size) }) as GroupCommitMetrics;
  const store = new MysqlEventStore(databases, noState, { groupCommit: { maxGroupSize: 100, windowMs: 50, maxInFlight: 1 }, metrics: recording });
  return { store, groupSizes };
}

export interface GroupingFixture {
  dbs: TestDatabases;
  databases: ShardDatabases;
  store: MysqlEventStore<unknown>;
  groupSizes: number[];
}

/**
 * Private shard databases with a groupingEventStore on them for the enclosing describe (made before
 * all, dropped after); `lockWaitTimeoutS` for the store's sessions (default: the product's).
 */
export function groupingFixture(options: { lockWaitTimeoutS?: number } = {}): GroupingFixture {
  const fixture = {} as GroupingFixture;
  beforeAll(async () => {
    fixture.dbs = await createTestDatabases(4);
    fixture.databases = new ShardDatabases({ ...fixture.dbs.config, ...options });
    Object.assign(fixture, groupingEventStore(fixture.databases));
  });
  afterAll(async () => {
    await fixture.databases?.destroy();
    await fixture.dbs?.drop();
  });
  return fixture;
}
