import { InMemoryEventStore } from '@shardline/event-store';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import { InMemoryRecordState } from '../in-memory/in-memory-record-state';
import { RecordStateChange } from '../ports/record-state.port';
import { ctx } from '../testing/in-memory-records.spec-helper';
import { CommandOutcome } from './command-outcome';
import { CreateRecordHandler } from './create-record/create-record.handler';
import { CreateRecord } from './create-record/create-record.command';
import { CreateRecordsBatch } from './create-records-batch/create-records-batch.command';
import { CreateRecordsBatchHandler } from './create-records-batch/create-records-batch.handler';
import { BatchResult } from './create-records-batch/create-records-batch.result';
import { RecordCommandRunner } from './record-command.runner';

/**
 * Integrity issue, fault 6: Snowflake ids can repeat after a restart with the clock stepped back
 * (the last timestamp lives only in memory). The unique key refuses the repeat; the client must not
 * see it: a create answered 409 RECORD.VERSION_CONFLICT, a batch failed.
 */
describe('a server-chosen id that collides is replaced, never shown to the client', () => {
  /** Hands out the given ids first (a restarted generator repeating earlier ones), then fresh ones. */
  const repeating = (first: string[]) => {
    const fresh = new SnowflakeIdGenerator(9);
    const queue = [...first];
    return { next: () => queue.shift() ?? fresh.next() };
  };

  function setup(ids: { next(): string }) {
    const state = new InMemoryRecordState();
    const store = new InMemoryEventStore<RecordStateChange>(4, state);
    const router = new SlotMapShardRouter(SlotMap.modulo(4));
    const runner = new RecordCommandRunner(store, state, router, () => new Date(), ids);
    return { store, state, router, create: new CreateRecordHandler(runner), batch: new CreateRecordsBatchHandler(store, router, ids, () => new Date()) };
  }

  it('a create whose id exists already gets another id and answers 201', async () => {
    const existing = new SnowflakeIdGenerator(9).next();
    const h = setup(repeating([existing, existing]));
    const first = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: { n: 1 } }, ctx()));
    expect(first.response.id).toBe(existing);
    const second = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: { n: 2 } }, ctx()));
    expect(second).toHaveStatus(201);
    expect(second.response.id).not.toBe(existing);
    expect(await h.state.get(h.router.shardFor('acme'), 'acme', existing)).toMatchObject({ dataContent: { n: 1 } });
  });

  it('a batch part with a colliding id is decided again with fresh ids and answers 201', async () => {
    const existing = new SnowflakeIdGenerator(9).next();
    const h = setup(repeating([existing, existing]));
    await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: {} }, ctx()));
    const outcome = (await h.batch.execute(new CreateRecordsBatch({ records: [{ businessId: 'acme', userId: '2', dataContent: { b: 1 } }, { businessId: 'acme', userId: '3', dataContent: { b: 2 } }], atomic: false }, ctx()))) as CommandOutcome<BatchResult>;
    expect(outcome).toMatchObject({ status: 201, response: { created: 2, failed: 0 } });
    const ids = outcome.response.results.map((r) => (r as { id: string }).id);
    expect(ids).not.toContain(existing);
    for (const id of ids) expect(await h.state.get(h.router.shardFor('acme'), 'acme', id)).not.toBeNull();
  });
});
