import { replay } from '../../domain/record.evolve';
import { RecordCreated } from '../../domain/record.events';
import { decideEraseRecord } from './erase-user.decide';

const ID = '383188219820244992';
const created: RecordCreated = {
  type: 'RecordCreated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', data_content: { secret: 1 }, created_time: '2026-11-23T09:33:10.898Z' },
};
const NOW = new Date('2026-12-02T00:00:00.000Z');

describe('EraseRecord (a record erased with its user)', () => {
  it('given a record, then RecordErased without content, and the record is gone', () => {
    const events = decideEraseRecord(replay([created]), NOW);
    expect(events).toEqual([{ type: 'RecordErased', schemaVersion: 1, data: { id: ID, business_id: 'acme', user_id: '42', erased_time: NOW.toISOString() } }]);
    expect(JSON.stringify(events)).not.toContain('secret');
    expect(replay([created, ...events])).toBeNull();
  });

  it('given no record (already gone), then nothing to erase', () => {
    expect(decideEraseRecord(null, NOW)).toEqual([]);
  });
});
