import { InMemoryEventStore } from '@shardline/event-store';
import { SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { InMemoryRecordState } from '../in-memory/in-memory-record-state';
import { RecordStateChange } from '../ports/record-state.port';
import { CommandContext } from './command-context';
import { RecordCommandRunner } from './record-command.runner';
import { CreateRecordHandler } from './create-record/create-record.handler';
import { CreateRecord } from './create-record/create-record.command';
import { CreateRecordsBatchHandler } from './create-records-batch/create-records-batch.handler';
import { CreateRecordsBatch } from './create-records-batch/create-records-batch.command';
import { UpdateRecordHandler } from './update-record/update-record.handler';
import { UpdateRecord } from './update-record/update-record.command';

const ctx = (commandId: string = crypto.randomUUID(), clientSupplied = false): CommandContext => ({
  commandId,
  clientSupplied,
  correlationId: 'corr',
  causationId: null,
  actor: null,
});

function setup() {
  const state = new InMemoryRecordState();
  const store = new InMemoryEventStore<RecordStateChange>(4, state);
  const router = new SlotMapShardRouter(SlotMap.modulo(4));
  const ids = new SnowflakeIdGenerator(3);
  const runner = new RecordCommandRunner(store, state, router, () => new Date());
  return {
    store,
    state,
    router,
    create: new CreateRecordHandler(runner, ids),
    update: new UpdateRecordHandler(runner),
    batch: new CreateRecordsBatchHandler(store, router, ids),
  };
}

describe('record command handlers on in-memory adapters', () => {
  it('create appends RecordCreated to the record stream on the routed shard and fills the state table', async () => {
    const h = setup();
    const { response } = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: { a: 1 } }, ctx()));
    const shard = h.router.shardFor('acme');
    expect((await h.store.readStream(shard, `record-${response.id}`)).map((e) => e.type)).toEqual(['RecordCreated']);
    expect(await h.state.get(shard, 'acme', response.id)).toMatchObject({ version: 1, dataContent: { a: 1 } });
    expect(h.store.outbox(shard)).toHaveLength(1);
  });

  it('an unpinned update that loses a race reloads and applies on top of the winner', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: {} }, ctx()));
    const results = await Promise.all([
      h.update.execute(new UpdateRecord('acme', rec.id, { x: 1 }, undefined, ctx())),
      h.update.execute(new UpdateRecord('acme', rec.id, { y: 2 }, undefined, ctx())),
    ]);
    expect(results.map((r) => r.response.version).sort()).toEqual([2, 3]);
    expect((await h.state.get(h.router.shardFor('acme'), 'acme', rec.id))?.dataContent).toEqual({ x: 1, y: 2 });
  });

  it('a batch reports 503 for the records of an unavailable shard and writes the others', async () => {
    const h = setup();
    const businesses = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const down = h.router.shardFor('a');
    h.store.setUnavailable(down, true);
    const result = await h.batch.execute(
      new CreateRecordsBatch(businesses.map((b) => ({ businessId: b, userId: '1', dataContent: {} })), ctx('k1', true)),
    );
    for (const r of result.results) expect(r.status).toBe(h.router.shardFor(businesses[r.index]) === down ? 503 : 201);
    expect(result.created + result.failed).toBe(8);

    h.store.setUnavailable(down, false);
    const retry = await h.batch.execute(
      new CreateRecordsBatch(businesses.map((b) => ({ businessId: b, userId: '1', dataContent: {} })), ctx('k1', true)),
    );
    expect(retry.failed).toBe(0);
    for (const r of result.results) if (r.status === 201) expect(retry.results[r.index]).toEqual(r);
  });

  it('a reused idempotency key with a different request is refused', async () => {
    const h = setup();
    await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: {} }, ctx('same', true)));
    await expect(h.create.execute(new CreateRecord({ businessId: 'acme', userId: '2', dataContent: {} }, ctx('same', true)))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY.REUSED',
    });
  });
});
