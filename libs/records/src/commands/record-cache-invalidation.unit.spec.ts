import { UnavailableError } from '@shardline/errors';
import { RecordCacheInvalidator } from '../ports/record-cache-invalidator.port';
import { ctx, recordsInMemory } from '../testing/in-memory-records.spec-helper';
import { CreateRecord } from './create-record/create-record.command';
import { DeleteRecord } from './delete-record/delete-record.command';
import { UpdateRecord } from './update-record/update-record.command';

function setup() {
  const calls: Array<{ id: string; committedVersion: number | undefined }> = [];
  const cache: RecordCacheInvalidator & { failing: boolean } = {
    failing: false,
    async invalidate(businessId, id) {
      if (this.failing) throw new UnavailableError('CACHE.INVALIDATION_FAILED', 'redis down');
      // What the shard holds when the invalidation happens: it must already be the new state.
      calls.push({ id, committedVersion: (await h.state.get(h.router.shardFor(businessId), businessId, id))?.version });
    },
  };
  const h = recordsInMemory(cache);
  return { ...h, calls, cache };
}

const newRecord = { businessId: 'acme', userId: '1', dataContent: {} };

describe('record commands invalidate the read cache after the commit and before answering', () => {
  it('updates and deletes invalidate after their commit; creates have nothing to invalidate', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord(newRecord, ctx()));
    expect(h.calls).toEqual([]);
    await h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { a: 1 } }, ctx()));
    expect(h.calls).toEqual([{ id: rec.id, committedVersion: 2 }]);
    await h.remove.execute(new DeleteRecord({ businessId: 'acme', recordId: rec.id }, ctx()));
    expect(h.calls[1]).toEqual({ id: rec.id, committedVersion: undefined });
  });

  it('a failed invalidation fails the command though the write is stored; the retry replays and invalidates', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord(newRecord, ctx()));
    h.cache.failing = true;
    const command = new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { a: 1 } }, ctx('key-1', true));
    await expect(h.update.execute(command)).rejects.toMatchObject({ code: 'CACHE.INVALIDATION_FAILED' });
    h.cache.failing = false;
    const retried = await h.update.execute(command);
    expect(retried).toMatchObject({ replayed: true, response: { version: 2 } });
    expect(h.calls).toEqual([{ id: rec.id, committedVersion: 2 }]);
  });

  it('a failed command still invalidates (its commit may have happened) and keeps its own error', async () => {
    const h = setup();
    const { response: rec } = await h.create.execute(new CreateRecord(newRecord, ctx()));
    await expect(h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { a: 1 }, expectedVersion: 7 }, ctx()))).rejects.toMatchObject({
      code: 'RECORD.VERSION_CONFLICT',
    });
    expect(h.calls).toHaveLength(1);
  });
});
