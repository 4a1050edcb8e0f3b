import { RecordCreated, RecordEvent } from '../domain/record.events';
import { replay } from '../domain/evolve';
import { given } from '../testing/record-decider.spec-helper';
import { decideCreateRecord } from './create-record/create-record.decide';
import { decideUpdateRecord } from './update-record/update-record.decide';
import { decideDeleteRecord } from './delete-record/delete-record.decide';
import { UpdateRecord } from './update-record/update-record.command';
import { DeleteRecord } from './delete-record/delete-record.command';
import { CommandContext } from './command-context';

const ctx: CommandContext = { commandId: 'c1', clientSupplied: false, correlationId: 'k', causationId: null, actor: null };
const ID = '383188219820244992'; // created 2026-11-23T09:33:10.898Z
const NOW = new Date('2026-11-24T00:00:00.000Z');
const created: RecordCreated = {
  type: 'RecordCreated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', data_content: { a: 1, b: { c: 2 } }, created_time: '2026-11-23T09:33:10.898Z' },
};

describe('CreateRecord', () => {
  it('given no history, when created, then RecordCreated stamped with the time inside the id', () => {
    given([])
      .when(() => decideCreateRecord({ businessId: 'acme', userId: '42', dataContent: { a: 1, b: { c: 2 } } }, ID).event)
      .then([created]);
  });

  it('refuses data_content over 64 KiB, naming the field', () => {
    given([])
      .when(() => decideCreateRecord({ businessId: 'acme', userId: '1', dataContent: { x: 'y'.repeat(65_536) } }, ID, 'data[3].data_content').event)
      .thenFails('RECORD.TOO_LARGE');
  });
});

describe('UpdateRecord', () => {
  const update = (patch: Record<string, unknown>, expectedVersion?: number, businessId = 'acme') =>
    new UpdateRecord(businessId, ID, patch, expectedVersion, ctx);

  it('given a record, when merge-patched, then RecordUpdated with the patch and the resulting content', () => {
    given([created])
      .when((s) => decideUpdateRecord(s, update({ a: null, b: { d: 3 } }, 1), NOW).event)
      .then([
        {
          type: 'RecordUpdated',
          schemaVersion: 1,
          data: { id: ID, business_id: 'acme', user_id: '42', patch: { a: null, b: { d: 3 } }, data_content: { b: { c: 2, d: 3 } }, updated_time: NOW.toISOString() },
        },
      ]);
  });

  it('given a record, when the patch changes nothing, then no event', () => {
    given([created]).when((s) => decideUpdateRecord(s, update({ a: 1 }), NOW).event).then([]);
  });

  it('given a record at version 1, when If-Match says 2, then a version conflict', () => {
    given([created]).when((s) => decideUpdateRecord(s, update({ a: 2 }, 2), NOW).event).thenFails('RECORD.VERSION_CONFLICT');
  });

  it('given no record, or a deleted one, or another business, then not found', () => {
    const deleted: RecordEvent = { type: 'RecordDeleted', schemaVersion: 1, data: { id: ID, business_id: 'acme', user_id: '42', deleted_time: NOW.toISOString() } };
    given([]).when((s) => decideUpdateRecord(s, update({ a: 2 }), NOW).event).thenFails('RECORD.NOT_FOUND');
    given([created, deleted]).when((s) => decideUpdateRecord(s, update({ a: 2 }), NOW).event).thenFails('RECORD.NOT_FOUND');
    given([created]).when((s) => decideUpdateRecord(s, update({ a: 2 }, undefined, 'other'), NOW).event).thenFails('RECORD.NOT_FOUND');
  });

  it('refuses a patch that grows data_content past the limit', () => {
    given([created]).when((s) => decideUpdateRecord(s, update({ big: 'x'.repeat(65_536) }), NOW).event).thenFails('RECORD.TOO_LARGE');
  });
});

describe('DeleteRecord', () => {
  it('given a record, when deleted, then RecordDeleted and the state is gone', () => {
    const event = decideDeleteRecord(replay([created]), new DeleteRecord('acme', ID, 1, ctx), NOW);
    expect(event).toEqual({ type: 'RecordDeleted', schemaVersion: 1, data: { id: ID, business_id: 'acme', user_id: '42', deleted_time: NOW.toISOString() } });
    expect(replay([created, event])).toBeNull();
  });

  it('given a record at version 1, when If-Match says 3, then a version conflict', () => {
    given([created]).when((s) => decideDeleteRecord(s, new DeleteRecord('acme', ID, 3, ctx), NOW)).thenFails('RECORD.VERSION_CONFLICT');
  });
});
