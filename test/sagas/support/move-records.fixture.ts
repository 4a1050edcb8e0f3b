import { randomBytes } from 'node:crypto';
import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import type { RecordStateChange } from '@shardline/records';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import { createRecordsSagaRuntime, type RecordsSagaRuntime } from '@shardline/records-sagas';
import { StepAttemptFailed, type SagaState } from '@shardline/sagas';
import { sagaRuntimeConfigFromEnv } from '@shardline/sagas/bullmq';
import { SlotMap, SlotMapShardRouter, type ShardingConfig } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { sagaWorkerConfigFromEnv } from '../../../apps/saga-worker/src/config';
import { startSagaWorkerApp, type SagaWorkerApp } from '../../../apps/saga-worker/src/create-saga-worker-app';
import { ApiHarness, ApiResponse, expectStatus, startApi } from '../../support/api-harness';
import { businessOnShard } from '../../support/business-on-shard';
import { TcpProxy } from '../../support/tcp-proxy';
import { createTestDatabases, TestDatabases } from '../../support/test-databases';
import { waitFor } from '../../support/wait-for';
import { fastSagaEnv } from './fast-saga-env';

/** Moves go from a business on shard 1 to one on shard 2; both shards reach the saga side through a proxy a test can cut. */
export const FROM_SHARD = 1;
export const TO_SHARD = 2;

export interface Seeded {
  from: string;
  to: string;
  userId: string;
  /** The source records in the order they were created, with the version each is at. */
  records: Array<{ id: string; i: number; version: number }>;
}

/**
 * The real api (REST) and saga side of moves over 4 fresh shards + control: an in-process saga
 * worker, or a saga runtime a test drives one job at a time (to fail a chosen step), both reaching
 * the source and target shards through TCP proxies.
 */
export class MoveRecordsFixture {
  readonly proxies = { from: new TcpProxy('127.0.0.1', 3306), to: new TcpProxy('127.0.0.1', 3306) };
  readonly sagaEnv = fastSagaEnv();
  dbs!: TestDatabases;
  databases!: ShardDatabases;
  api!: ApiHarness;
  private worker: SagaWorkerApp | undefined;
  private driver: { databases: ShardDatabases; store: MysqlEventStore<RecordStateChange>; runtime: RecordsSagaRuntime } | undefined;

  async start(): Promise<this> {
    this.dbs = await createTestDatabases(4);
    this.databases = new ShardDatabases(this.dbs.config);
    await this.proxies.from.start();
    await this.proxies.to.start();
    this.api = await startApi(this.dbs.config, { ...this.sagaEnv, SHARDLINE_MOVE_WAIT_MS: '20000' });
    return this;
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.closeDriver();
    await this.api?.close();
    await this.proxies.from.stop();
    await this.proxies.to.stop();
    await this.databases?.destroy();
    await this.dbs?.drop();
  }

  /** The environment of a saga worker reaching the two shards of a move through the proxies. */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    const urls = this.proxiedSharding().shards.map((s) => `mysql://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.database}`);
    const c = this.dbs.config.control;
    return {
      ...this.sagaEnv,
      SHARDLINE_LOG_LEVEL: 'silent',
      SHARDLINE_SAGA_OPS_PORT: '0',
      SHARDLINE_SHARDS: urls.join(','),
      SHARDLINE_CONTROL_URL: `mysql://${c.user}:${encodeURIComponent(c.password)}@${c.host}:${c.port}/${c.database}`,
      ...extra,
    };
  }

  async startWorker(): Promise<SagaWorkerApp> {
    this.worker = await startSagaWorkerApp(sagaWorkerConfigFromEnv(this.workerEnv()));
    await this.worker.started;
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
    this.worker = undefined;
  }

  /** A saga runtime without a worker: the test runs each job itself, so it can fail the step it chooses. */
  drive(): RecordsSagaRuntime {
    if (!this.driver) {
      const databases = new ShardDatabases(this.proxiedSharding());
      const store = new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 100, windowMs: 1, maxInFlight: 2 } });
      this.driver = { databases, store, runtime: createRecordsSagaRuntime({ databases, store, router: new SlotMapShardRouter(SlotMap.modulo(4)), config: sagaRuntimeConfigFromEnv(this.sagaEnv) }) };
    }
    return this.driver.runtime;
  }

  /** Runs the saga's current job once (as one delivery would), and answers the state after it. */
  async runJob(sagaId: string): Promise<SagaState> {
    const { orchestrator } = this.drive();
    const state = await orchestrator.get(sagaId);
    await orchestrator.runJob({ sagaId, version: state.version }).catch((error) => {
      if (!(error instanceof StepAttemptFailed)) throw error;
    });
    return orchestrator.get(sagaId);
  }

  /** Runs jobs until `until` holds (at most `max` deliveries). */
  async runUntil(sagaId: string, until: (state: SagaState) => boolean, max = 60): Promise<SagaState> {
    let state = await this.drive().orchestrator.get(sagaId);
    for (let n = 0; !until(state); n++) {
      if (n >= max) throw new Error(`saga ${sagaId} did not get there in ${max} jobs: ${JSON.stringify({ status: state.status, cursor: state.cursor, reason: state.reason, failures: state.failures.slice(-3) })}`);
      state = await this.runJob(sagaId);
    }
    return state;
  }

  commitPoints(): MysqlCommitPoints {
    return new MysqlCommitPoints(this.databases.control);
  }

  /** n records of a fresh user in a fresh business on FROM_SHARD, every third one patched to version 2. */
  async seed(n: number): Promise<Seeded> {
    const from = businessOnShard(FROM_SHARD, `mvf${randomBytes(3).toString('hex')}`);
    const to = businessOnShard(TO_SHARD, `mvt${randomBytes(3).toString('hex')}`);
    const userId = String(1 + Math.floor(Math.random() * 1e12));
    const created = await this.api.request('POST', '/api/v1/data/batch', { data: Array.from({ length: n }, (_, i) => ({ business_id: from, user_id: userId, data_content: { i, note: `record ${i}` } })) });
    expectStatus(created, 201);
    const records = created.body.results.map((r: { id: string }, i: number) => ({ id: r.id, i, version: 1 }));
    for (const record of records.filter((r: { i: number }) => r.i % 3 === 0)) {
      expectStatus(await this.api.request('PATCH', `/api/v1/data/${from}/${record.id}`, { data_content: { patched: true } }), 200);
      record.version = 2;
    }
    return { from, to, userId, records };
  }

  move(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    return this.api.request('POST', '/api/v1/data/moves', body, headers);
  }

  /** Every record of a business the REST read path shows, paged through. */
  async visible(businessId: string): Promise<Array<{ id: string; version: number; data_content: { i: number } }>> {
    const out: Array<{ id: string; version: number; data_content: { i: number } }> = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await this.api.request('GET', `/api/v1/data/page?business_id=${businessId}&page_size=100${cursor ? `&cursor=${cursor}` : ''}`);
      expectStatus(page, 200);
      out.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor);
    return out;
  }

  async count(shard: number, sql: string, bindings: unknown[] = []): Promise<number> {
    const [rows] = await this.databases.shard(shard).raw(sql, bindings as never);
    return Number((rows as Array<{ n: number }>)[0].n);
  }

  /** What a move left behind of itself: rows still held, copies still staged, events still staged. */
  async markers(): Promise<{ held: number; staged: number; stagedEvents: number }> {
    return {
      held: await this.count(FROM_SHARD, 'SELECT COUNT(*) AS n FROM records WHERE moving_out_by IS NOT NULL'),
      staged: await this.count(TO_SHARD, 'SELECT COUNT(*) AS n FROM records WHERE staged_by IS NOT NULL'),
      stagedEvents: await this.count(TO_SHARD, 'SELECT COUNT(*) AS n FROM events WHERE staged_by IS NOT NULL'),
    };
  }

  /** A record stream's events on a shard, oldest first. */
  async eventsOf(shard: number, id: string): Promise<Array<{ version: number; type: string; data: Record<string, any>; staged: string | null }>> {
    const [rows] = await this.databases.shard(shard).raw('SELECT stream_version, event_type, data, staged_by FROM events WHERE stream_id = ? ORDER BY stream_version', [`record-${id}`]);
    return (rows as Array<{ stream_version: number; event_type: string; data: unknown; staged_by: string | null }>).map((r) => ({
      version: Number(r.stream_version),
      type: r.event_type,
      data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
      staged: r.staged_by,
    }));
  }

  /** Outbox rows of a shard's events of this type caused by the saga (what the relay publishes). */
  published(shard: number, type: string, sagaId: string): Promise<number> {
    return this.count(
      shard,
      `SELECT COUNT(*) AS n FROM outbox o JOIN events e ON e.stream_id = o.stream_id AND e.stream_version = o.stream_version AND e.month_key = o.month_key
        WHERE e.event_type = ? AND JSON_VALUE(e.metadata, '$.causationId') = ?`,
      [type, sagaId],
    );
  }

  /**
   * After a completed move: the copies hold the sources' content under the new business, the
   * sources are gone, the histories reference each other, and both ends are published (outbox).
   */
  async expectMoved(seeded: Seeded, moved: Array<{ from_id: string; to_id: string }>, sagaId: string): Promise<void> {
    expect(moved.map((p) => p.from_id).sort()).toEqual(seeded.records.map((r) => r.id).sort());
    const copies = new Map((await this.visible(seeded.to)).map((r) => [r.id, r]));
    expect(copies.size).toBe(seeded.records.length);
    expect(await this.visible(seeded.from)).toEqual([]);
    const byId = new Map(seeded.records.map((r) => [r.id, r]));
    for (const pair of moved) expect(copies.get(pair.to_id)).toMatchObject({ business_id: seeded.to, user_id: seeded.userId, data_content: { i: byId.get(pair.from_id)!.i } });
    const sample = moved[0];
    const source = byId.get(sample.from_id)!;
    expectStatus(await this.api.request('GET', `/api/v1/data/${seeded.from}/${sample.from_id}`), 404);
    await waitFor('the sources retired and the copies released', async () => {
      const m = await this.markers();
      return m.held === 0 && m.staged === 0 && m.stagedEvents === 0;
    });
    const sourceEvents = await this.eventsOf(FROM_SHARD, sample.from_id);
    expect(sourceEvents[sourceEvents.length - 1]).toMatchObject({ version: source.version + 1, type: 'RecordMovedOut', data: { to: { business_id: seeded.to, id: sample.to_id } }, staged: null });
    expect((await this.eventsOf(TO_SHARD, sample.to_id))[0]).toMatchObject({
      version: 1,
      type: 'RecordMovedIn',
      staged: null,
      data: { business_id: seeded.to, moved_from: { business_id: seeded.from, id: sample.from_id, version: source.version } },
    });
    expect(await this.published(TO_SHARD, 'RecordMovedIn', sagaId)).toBe(seeded.records.length);
    expect(await this.published(FROM_SHARD, 'RecordMovedOut', sagaId)).toBe(seeded.records.length);
  }

  private proxiedSharding(): ShardingConfig {
    const port = (shard: number) => (shard === FROM_SHARD ? this.proxies.from.port : shard === TO_SHARD ? this.proxies.to.port : null);
    return { ...this.dbs.config, shards: this.dbs.config.shards.map((s, i) => (port(i) === null ? s : { ...s, host: '127.0.0.1', port: port(i)! })) };
  }

  private async closeDriver(): Promise<void> {
    if (!this.driver) return;
    await this.driver.runtime.close();
    await this.driver.store.drain();
    await this.driver.databases.destroy();
    this.driver = undefined;
  }
}
