import { ctx, recordsInMemory } from '../testing/in-memory-records.spec-helper';
import { CreateRecord } from './create-record/create-record.command';
import { CommandOutcome } from './command-outcome';
import { CreateRecordsBatch } from './create-records-batch/create-records-batch.command';
import { BatchResult } from './create-records-batch/create-records-batch.result';
import { DeleteRecord } from './delete-record/delete-record.command';
import { UpdateRecord } from './update-record/update-record.command';

/** A non-atomic batch answers a BatchResult. */
const plain = (h: ReturnType<typeof recordsInMemory>, command: CreateRecordsBatch) => h.batch.execute(command) as Promise<CommandOutcome<BatchResult>>;

const newRecord = (businessId = 'acme', dataContent: Record<string, unknown> = {}) => ({ businessId, userId: '1', dataContent });

describe('record command handlers on in-memory adapters', () => {
  it('create appends RecordCreated to the record stream on the routed shard, fills the state table and answers 201', async () => {
    const h = recordsInMemory();
    const outcome = await h.create.execute(new CreateRecord(newRecord('acme', { a: 1 }), ctx()));
    expect(outcome).toMatchObject({ status: 201, replayed: false, response: { business_id: 'acme', version: 1, data_content: { a: 1 } } });
    const shard = h.router.shardFor('acme');
    expect((await h.store.readStream(shard, `record-${outcome.response.id}`)).map((e) => e.type)).toEqual(['RecordCreated']);
    expect(await h.state.get(shard, 'acme', outcome.response.id)).toMatchObject({ version: 1, dataContent: { a: 1 } });
    expect(h.store.outbox(shard)).toHaveLength(1);
  });

  it('update and delete answer 200 with the state after; a no-op patch answers the record unchanged, appends nothing and remembers its key', async () => {
    const h = recordsInMemory();
    const { response: rec } = await h.create.execute(new CreateRecord(newRecord('acme', { a: 1 }), ctx()));
    const shard = h.router.shardFor('acme');
    const patched = await h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { b: 2 } }, ctx()));
    expect(patched).toMatchObject({ status: 200, response: { version: 2, data_content: { a: 1, b: 2 } } });
    const noop = await h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { b: 2 } }, ctx('noop', true)));
    expect(noop).toEqual({ status: 200, replayed: false, response: patched.response });
    expect(await h.store.findCommandResult(shard, 'noop')).toMatchObject({ response: patched.response });
    expect(await h.store.readStream(shard, `record-${rec.id}`)).toHaveLength(2);
    const deleted = await h.remove.execute(new DeleteRecord({ businessId: 'acme', recordId: rec.id, expectedVersion: 2 }, ctx()));
    expect(deleted).toEqual({ status: 200, replayed: false, response: { id: rec.id, business_id: 'acme', version: 3, deleted: true } });
    expect(await h.state.get(shard, 'acme', rec.id)).toBeNull();
  });

  it('an unpinned update that loses a race reloads and applies on top of the winner', async () => {
    const h = recordsInMemory();
    const { response: rec } = await h.create.execute(new CreateRecord(newRecord(), ctx()));
    const results = await Promise.all([
      h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { x: 1 } }, ctx())),
      h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { y: 2 } }, ctx())),
    ]);
    expect(results.map((r) => r.response.version).sort()).toEqual([2, 3]);
    expect((await h.state.get(h.router.shardFor('acme'), 'acme', rec.id))?.dataContent).toEqual({ x: 1, y: 2 });
  });

  it('a batch reports 503 for the records of an unavailable shard and writes the others (207); the retry writes only those', async () => {
    const h = recordsInMemory();
    const businesses = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const batch = () => new CreateRecordsBatch({ records: businesses.map((b) => newRecord(b)), atomic: false }, ctx('k1', true));
    const down = h.router.shardFor('a');
    h.store.setUnavailable(down, true);
    const first = await plain(h, batch());
    expect(first).toHaveStatus(207);
    for (const r of first.response.results) expect(r.status).toBe(h.router.shardFor(businesses[r.index]) === down ? 503 : 201);
    expect(first.response.created + first.response.failed).toBe(8);

    h.store.setUnavailable(down, false);
    const retry = await plain(h, batch());
    expect(retry).toMatchObject({ status: 201, response: { failed: 0 } });
    for (const r of first.response.results) if (r.status === 201) expect(retry.response.results[r.index]).toEqual(r);
  });

  it('a batch part failing for another reason is reported per record; the parts that committed are reported too (207)', async () => {
    const h = recordsInMemory();
    const broken = h.router.shardFor('a');
    const appendBatch = h.store.appendBatch.bind(h.store);
    h.store.appendBatch = async (command) => (command.shard === broken ? Promise.reject(new Error('disk full')) : appendBatch(command));
    const businesses = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const outcome = await plain(h, new CreateRecordsBatch({ records: businesses.map((b) => newRecord(b)), atomic: false }, ctx()));
    expect(outcome).toHaveStatus(207);
    for (const r of outcome.response.results) {
      if (h.router.shardFor(businesses[r.index]) === broken) expect(r).toMatchObject({ status: 500, error: { code: 'INTERNAL' } });
      else expect(r).toHaveStatus(201);
    }
  });

  it('a batch key used before with another body is refused before anything is written', async () => {
    const h = recordsInMemory();
    await plain(h, new CreateRecordsBatch({ records: [newRecord('a')], atomic: false }, ctx('bk', true)));
    const other = h.router.shardFor('a') === h.router.shardFor('b') ? 'c' : 'b';
    await expect(plain(h, new CreateRecordsBatch({ records: [newRecord(other)], atomic: false }, ctx('bk', true)))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY.REUSED',
    });
    expect(h.store.outbox(h.router.shardFor(other)).filter((e) => (e.data as { business_id: string }).business_id === other)).toHaveLength(0);
  });

  it('a batch whose every shard is down answers 503', async () => {
    const h = recordsInMemory();
    for (let shard = 0; shard < 4; shard++) h.store.setUnavailable(shard, true);
    const outcome = await plain(h, new CreateRecordsBatch({ records: [newRecord('a'), newRecord('b')], atomic: false }, ctx()));
    expect(outcome).toMatchObject({ status: 503, response: { created: 0, failed: 2 } });
  });

  it('a reused idempotency key with a different request is refused', async () => {
    const h = recordsInMemory();
    await h.create.execute(new CreateRecord(newRecord(), ctx('same', true)));
    await expect(h.create.execute(new CreateRecord({ ...newRecord(), userId: '2' }, ctx('same', true)))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY.REUSED',
    });
  });
});
