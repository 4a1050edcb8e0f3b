import { RecordCreated } from '../../domain/record.events';
import { createRecord, given, ID } from '../../testing/record-decider.spec-helper';

const created: RecordCreated = {
  type: 'RecordCreated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', data_content: { a: 1 }, created_time: '2026-11-23T09:33:10.898Z' },
};

describe('CreateRecord', () => {
  it('given no history, when created, then RecordCreated stamped with the time inside the minted id', () => {
    given([])
      .when(createRecord({ businessId: 'acme', userId: '42', dataContent: { a: 1 } }))
      .then([created]);
  });

  it('refuses data_content over 64 KiB, naming the field as the command spells it', () => {
    given([])
      .when(createRecord({ businessId: 'acme', userId: '1', dataContent: { x: 'y'.repeat(65_536) } }))
      .thenFails('RECORD.TOO_LARGE', [{ field: 'data_content', message: expect.stringContaining('the limit is 65536') }]);
  });

  it('given a stream that already has the minted id, then a bug is reported (ids are never reused)', () => {
    given([created]).when(createRecord({ businessId: 'acme', userId: '42', dataContent: {} })).thenFails('RECORD.ID_TAKEN');
  });
});
