import { ctx, recordsInMemory } from '../testing/in-memory-records.spec-helper';
import { CreateRecord } from './create-record/create-record.command';
import { DeleteRecord } from './delete-record/delete-record.command';
import { UpdateRecord } from './update-record/update-record.command';

/**
 * A retry that races its own first attempt (found by the chaos soak): the retry looks its key up
 * just before the first attempt commits (nothing yet), then loads the state the first attempt has
 * just changed. The interleaving is forced by hiding the stored key from the retry's first lookup.
 */
describe('a retry racing its own first attempt answers the first response, not a refusal', () => {
  async function setup() {
    const h = recordsInMemory();
    const { response: rec } = await h.create.execute(new CreateRecord({ businessId: 'acme', userId: '1', dataContent: { a: 1 } }, ctx()));
    const retryLooksUpBeforeTheCommit = () => jest.spyOn(h.store, 'findCommandResult').mockResolvedValueOnce(null);
    return { h, rec, retryLooksUpBeforeTheCommit };
  }

  it('a DELETE whose first attempt deleted the record replays that answer instead of 404', async () => {
    const { h, rec, retryLooksUpBeforeTheCommit } = await setup();
    const remove = () => h.remove.execute(new DeleteRecord({ businessId: 'acme', recordId: rec.id, expectedVersion: 1 }, ctx('del-1', true)));
    const first = await remove();
    retryLooksUpBeforeTheCommit();
    expect(await remove()).toEqual({ ...first, replayed: true });
  });

  it('a PATCH pinned with If-Match replays its own v2 instead of 409 against it', async () => {
    const { h, rec, retryLooksUpBeforeTheCommit } = await setup();
    const patch = () => h.update.execute(new UpdateRecord({ businessId: 'acme', recordId: rec.id, patch: { b: 2 }, expectedVersion: 1 }, ctx('patch-1', true)));
    const first = await patch();
    expect(first.response.version).toBe(2);
    retryLooksUpBeforeTheCommit();
    expect(await patch()).toEqual({ ...first, replayed: true });
  });

  it('a refusal with no stored answer under its key stays a refusal', async () => {
    const { h, rec } = await setup();
    await h.remove.execute(new DeleteRecord({ businessId: 'acme', recordId: rec.id }, ctx()));
    await expect(h.remove.execute(new DeleteRecord({ businessId: 'acme', recordId: rec.id }, ctx('never-stored', true)))).rejects.toMatchObject({ code: 'RECORD.NOT_FOUND' });
  });
});
