import { InMemoryEventStore } from '@shardline/event-store';
import { SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { InMemoryRecordState } from '../in-memory/in-memory-record-state';
import { RecordCacheInvalidator } from '../ports/record-cache-invalidator.port';
import { RecordStateChange } from '../ports/record-state.port';
import { CreateRecord } from './create-record/create-record.command';
import { CreateRecordHandler } from './create-record/create-record.handler';
import { DeleteRecord } from './delete-record/delete-record.command';
import { DeleteRecordHandler } from './delete-record/delete-record.handler';
import { RecordCommandRunner } from './record-command.runner';
import { UpdateRecord } from './update-record/update-record.command';
import { UpdateRecordHandler } from './update-record/update-record.handler';

const ctx = (commandId: string = crypto.randomUUID(), clientSupplied = false) => ({ commandId, clientSupplied, correlationId: 'c', causationId: null, actor: null });

function setup() {
  const state = new InMemoryRecordState();
  const store = new InMemoryEventStore<RecordStateChange>(4, state);
  const router = new SlotMapShardRouter(SlotMap.modulo(4));
  const calls: Array<{ id: string; committedVersion: number | undefined }> = [];
  const cache: RecordCacheInvalidator & { failing: boolean } = {
    failing: false,
    async invalidate(businessId, id) {
      if (this.failing) throw Object.assign(new Error('redis down'), { code: 'CACHE.INVALIDATION_FAILED', kind: 'unavailable' });
      // What the shard holds when the invalidation happens: it must already be the new state.
      calls.push({ id, committedVersion: (await state.get(router.shardFor(businessId), businessId, id))?.version });
    },
  };
  const runner = new RecordCommandRunner(store, state, router, () => new Date(), cache);
  const ids = new SnowflakeIdGenerator(5);
  return { calls, cache, create: new CreateRecordHandler(runner, ids), update: new UpdateRecordHandler(runner), remove: new DeleteRecordHandler(runner) };
}

describe('record commands invalidate the read cache after the commit and before answering', () => {
  it('updates and deletes invalidate after their commit; creates have nothing to invalidate', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: {} }, ctx()));
    expect(h.calls).toEqual([]);
    await h.update.execute(new UpdateRecord('acme', rec.id, { a: 1 }, undefined, ctx()));
    expect(h.calls).toEqual([{ id: rec.id, committedVersion: 2 }]);
    await h.remove.execute(new DeleteRecord('acme', rec.id, undefined, ctx()));
    expect(h.calls[1]).toEqual({ id: rec.id, committedVersion: undefined });
  });

  it('a failed invalidation fails the command though the write is stored; the retry replays and invalidates', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: {} }, ctx()));
    h.cache.failing = true;
    const command = new UpdateRecord('acme', rec.id, { a: 1 }, undefined, ctx('key-1', true));
    await expect(h.update.execute(command)).rejects.toMatchObject({ code: 'CACHE.INVALIDATION_FAILED' });
    h.cache.failing = false;
    const retried = await h.update.execute(command);
    expect(retried).toMatchObject({ replayed: true, response: { version: 2 } });
    expect(h.calls).toEqual([{ id: rec.id, committedVersion: 2 }]);
  });

  it('a failed command still invalidates (its commit may have happened) and keeps its own error', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: {} }, ctx()));
    await expect(h.update.execute(new UpdateRecord('acme', rec.id, { a: 1 }, 7, ctx()))).rejects.toMatchObject({ code: 'RECORD.VERSION_CONFLICT' });
    expect(h.calls).toHaveLength(1);
  });
});
