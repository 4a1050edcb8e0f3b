import { timeOfId } from '@shardline/ids';
import { RecordCreated, RecordMovedIn, RecordMovedOut, RecordUpdated } from '../../domain/record.events';
import { evolve, replay } from '../../domain/record.evolve';
import { RecordLimits } from '../../domain/record.limits';
import { context, ID, NOW } from '../../testing/record-decider.spec-helper';
import { MoveRecords } from './move-records.command';
import { assertMoveAcceptable, decideMoveRecordIn, decideMoveRecordOut } from './move-records.decide';

const TARGET = '383188219820244993';
const created: RecordCreated = {
  type: 'RecordCreated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', data_content: { a: 1 }, created_time: '2026-11-23T09:33:10.898Z' },
};
const updated: RecordUpdated = {
  type: 'RecordUpdated',
  schemaVersion: 1,
  data: { id: ID, business_id: 'acme', user_id: '42', patch: { b: 2 }, data_content: { a: 1, b: 2 }, updated_time: NOW.toISOString() },
};
const move = (data: Partial<MoveRecords['data']>) => new MoveRecords({ fromBusinessId: 'acme', toBusinessId: 'globex', ...data }, context).data;

describe('MoveRecords', () => {
  it('is acceptable to another business, for a whole business or 1..10,000 distinct named records', () => {
    expect(() => assertMoveAcceptable(move({}))).not.toThrow();
    expect(() => assertMoveAcceptable(move({ recordIds: [ID] }))).not.toThrow();
    expect(() => assertMoveAcceptable(move({ toBusinessId: 'acme' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: [{ field: 'to_business_id', message: 'must differ from from_business_id' }] }));
    expect(() => assertMoveAcceptable(move({ recordIds: [] }))).toThrow(expect.objectContaining({ details: [{ field: 'record_ids', message: 'must name at least one record' }] }));
    expect(() => assertMoveAcceptable(move({ recordIds: [ID, TARGET, ID] }))).toThrow(expect.objectContaining({ details: [{ field: 'record_ids[2]', message: `repeats record ${ID}` }] }));
    const tooMany = Array.from({ length: RecordLimits.moveMaxRecords + 1 }, (_, i) => String(1000 + i));
    expect(() => assertMoveAcceptable(move({ recordIds: tooMany }))).toThrow(
      expect.objectContaining({ code: 'RECORD.TOO_LARGE', kind: 'too-large', details: [{ field: 'record_ids', message: expect.stringContaining('the limit per move is 10000') }] }),
    );
  });

  it('given a record, the copy is RecordMovedIn on the new stream: its full state under the new business, referencing the source at its version', () => {
    const source = replay([created, updated])!;
    const events = decideMoveRecordIn(source, { businessId: 'globex', recordId: TARGET });
    const expected: RecordMovedIn = {
      type: 'RecordMovedIn',
      schemaVersion: 1,
      data: {
        id: TARGET,
        business_id: 'globex',
        user_id: '42',
        data_content: { a: 1, b: 2 },
        created_time: timeOfId(TARGET).toISOString(),
        moved_from: { business_id: 'acme', id: ID, version: 2, created_time: '2026-11-23T09:33:10.898Z' },
      },
    };
    expect(events).toEqual([expected]);
    expect(events.reduce(evolve, null)).toEqual({
      id: TARGET,
      businessId: 'globex',
      userId: '42',
      dataContent: { a: 1, b: 2 },
      version: 1,
      createdTime: timeOfId(TARGET),
      updatedTime: timeOfId(TARGET),
    });
  });

  it('given the source held by the saga, retiring it is RecordMovedOut naming where it went, after which there is no record here', () => {
    const source = { ...replay([created])!, movingOutBy: 'mv-1' };
    const events = decideMoveRecordOut(source, { sagaId: 'mv-1', to: { businessId: 'globex', recordId: TARGET }, now: NOW });
    const expected: RecordMovedOut = {
      type: 'RecordMovedOut',
      schemaVersion: 1,
      data: { id: ID, business_id: 'acme', user_id: '42', moved_time: NOW.toISOString(), to: { business_id: 'globex', id: TARGET } },
    };
    expect(events).toEqual([expected]);
    expect(evolve(source, expected)).toBeNull();
  });

  it('a source already retired decides nothing; one the saga does not hold is a broken invariant', () => {
    const to = { businessId: 'globex', recordId: TARGET };
    expect(decideMoveRecordOut(null, { sagaId: 'mv-1', to, now: NOW })).toEqual([]);
    expect(() => decideMoveRecordOut(replay([created]), { sagaId: 'mv-1', to, now: NOW })).toThrow(expect.objectContaining({ code: 'MOVE.LOCK_LOST' }));
    expect(() => decideMoveRecordOut({ ...replay([created])!, movingOutBy: 'mv-2' }, { sagaId: 'mv-1', to, now: NOW })).toThrow(expect.objectContaining({ code: 'MOVE.LOCK_LOST' }));
  });
});
