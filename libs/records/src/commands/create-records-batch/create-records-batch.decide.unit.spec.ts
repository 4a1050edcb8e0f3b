import { RecordLimits } from '../../domain/record.limits';
import { createRecordsBatch, given, ID } from '../../testing/record-decider.spec-helper';

const ID2 = '383188219820244993';
const small = (businessId: string) => ({ businessId, userId: '1', dataContent: { n: 1 } });
const big = (businessId: string) => ({ businessId, userId: '1', dataContent: { x: 'y'.repeat(65_536) } });

describe('CreateRecordsBatch', () => {
  it('decides every record as the CreateRecord it stands for, each on its own new stream', () => {
    given([])
      .whenBatch(createRecordsBatch([small('a'), small('b')]), [ID, ID2])
      .then([
        {
          index: 0,
          businessId: 'a',
          recordId: ID,
          events: [{ type: 'RecordCreated', schemaVersion: 1, data: { id: ID, business_id: 'a', user_id: '1', data_content: { n: 1 }, created_time: '2026-11-23T09:33:10.898Z' } }],
          after: expect.objectContaining({ id: ID, businessId: 'a', version: 1 }),
        },
        expect.objectContaining({ index: 1, businessId: 'b', recordId: ID2, after: expect.objectContaining({ version: 1 }) }),
      ]);
  });

  it('refuses the whole batch when records are too large, naming each by its place in the command', () => {
    given([])
      .whenBatch(createRecordsBatch([small('a'), big('b'), small('c'), big('d')]), [ID, ID2, ID, ID2])
      .thenFails('RECORD.TOO_LARGE', [
        { field: 'data[1].data_content', message: expect.any(String) },
        { field: 'data[3].data_content', message: expect.any(String) },
      ]);
  });

  it('holds 1..10,000 records', () => {
    given([]).whenBatch(createRecordsBatch([]), []).thenFails('VALIDATION_FAILED', [{ field: 'data', message: 'must hold at least one record' }]);
    const tooMany = Array.from({ length: RecordLimits.batchMaxRecords + 1 }, () => small('a'));
    given([]).whenBatch(createRecordsBatch(tooMany), []).thenFails('RECORD.TOO_LARGE', [{ field: 'data', message: 'holds 10001 records; the limit is 10000' }]);
  });

  it('decides an atomic batch like any other (the saga writes it)', () => {
    given([]).whenBatch(createRecordsBatch([small('a')], true), [ID]).then([expect.objectContaining({ index: 0, recordId: ID })]);
  });
});
