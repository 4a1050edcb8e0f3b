import { RecordCreated } from '../../domain/record.events';
import { evolve } from '../../domain/record.evolve';
import { deleteRecord, given, ID, NOW } from '../../testing/record-decider.spec-helper';

const created: RecordCreated = {
  type: 'RecordCreated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', data_content: { a: 1 }, created_time: '2026-11-23T09:33:10.898Z' },
};

describe('DeleteRecord', () => {
  const deleted = { type: 'RecordDeleted' as const, schemaVersion: 1 as const, data: { id: ID, business_id: 'acme', user_id: '42', deleted_time: NOW.toISOString() } };

  it('given a record, when deleted, then RecordDeleted, after which there is no record', () => {
    given([created]).when(deleteRecord({ businessId: 'acme', recordId: ID, expectedVersion: 1 })).then([deleted]);
    expect(evolve(evolve(null, created), deleted)).toBeNull();
  });

  it('given a record at version 1, when If-Match says 3, then a version conflict', () => {
    given([created]).when(deleteRecord({ businessId: 'acme', recordId: ID, expectedVersion: 3 })).thenFails('RECORD.VERSION_CONFLICT');
  });

  it('given no record, or one of another business, then not found', () => {
    given([]).when(deleteRecord({ businessId: 'acme', recordId: ID })).thenFails('RECORD.NOT_FOUND');
    given([created]).when(deleteRecord({ businessId: 'other', recordId: ID })).thenFails('RECORD.NOT_FOUND');
  });

  it('given a record a move saga holds, then locked, naming the saga (also when If-Match matches)', () => {
    given([created], { movingOutBy: 'mv-1' })
      .when(deleteRecord({ businessId: 'acme', recordId: ID, expectedVersion: 1 }))
      .thenFails('RECORD.LOCKED', [{ field: 'saga_id', message: 'mv-1' }]);
  });
});
