import { RecordCreated, RecordDeleted } from '../../domain/record.events';
import { given, ID, NOW, updateRecord } from '../../testing/record-decider.spec-helper';

const created: RecordCreated = {
  type: 'RecordCreated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', data_content: { a: 1, b: { c: 2 } }, created_time: '2026-11-23T09:33:10.898Z' },
};
const deleted: RecordDeleted = { type: 'RecordDeleted', schemaVersion: 1, data: { id: ID, business_id: 'acme', user_id: '42', deleted_time: NOW.toISOString() } };
const patch = (p: Record<string, unknown>, expectedVersion?: number, businessId = 'acme') => updateRecord({ businessId, recordId: ID, patch: p, expectedVersion });

describe('UpdateRecord', () => {
  it('given a record, when merge-patched, then RecordUpdated with the patch and the resulting content', () => {
    given([created])
      .when(patch({ a: null, b: { d: 3 } }, 1))
      .then([
        {
          type: 'RecordUpdated',
          schemaVersion: 1,
          data: { id: ID, business_id: 'acme', user_id: '42', patch: { a: null, b: { d: 3 } }, data_content: { b: { c: 2, d: 3 } }, updated_time: NOW.toISOString() },
        },
      ]);
  });

  it('given a record, when the patch changes nothing, then no event (the version stays)', () => {
    given([created]).when(patch({ a: 1 })).then([]);
  });

  it('given a record at version 1, when If-Match says 2, then a version conflict naming If-Match', () => {
    given([created]).when(patch({ a: 2 }, 2)).thenFails('RECORD.VERSION_CONFLICT', [{ field: 'If-Match', message: 'current version is 1' }]);
  });

  it('given no record, or a deleted one, or another business, then not found', () => {
    given([]).when(patch({ a: 2 })).thenFails('RECORD.NOT_FOUND');
    given([created, deleted]).when(patch({ a: 2 })).thenFails('RECORD.NOT_FOUND');
    given([created]).when(patch({ a: 2 }, undefined, 'other')).thenFails('RECORD.NOT_FOUND');
  });

  it('refuses a patch that grows data_content past the limit', () => {
    given([created]).when(patch({ big: 'x'.repeat(65_536) })).thenFails('RECORD.TOO_LARGE', [{ field: 'data_content', message: expect.any(String) }]);
  });

  it('given a record a move saga holds, then locked, naming the saga, even for a no-op patch', () => {
    given([created], { movingOutBy: 'mv-1' }).when(patch({ a: 2 })).thenFails('RECORD.LOCKED', [{ field: 'saga_id', message: 'mv-1' }]);
    given([created], { movingOutBy: 'mv-1' }).when(patch({ a: 1 })).thenFails('RECORD.LOCKED');
  });
});
