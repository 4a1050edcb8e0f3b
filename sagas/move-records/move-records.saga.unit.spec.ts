import { UnavailableError, ValidationError } from '@shardline/errors';
import { PivotReachedError } from '@shardline/sagas';
import { deadlinePasses, fails, operatorAborts, operatorRetries, sagaSpec, succeeds } from '@shardline/testing';
import { moveRecordsSaga } from './move-records.saga';

/** The move's definition as a state machine: which step runs next after each outcome (docs/adr/0004). */
describe('move-records saga (definition)', () => {
  const spec = sagaSpec(moveRecordsSaga, { input: { from_business_id: 'a', to_business_id: 'b' } });
  const down = new UnavailableError('EVENT_STORE.SHARD_UNAVAILABLE', 'shard 2 is down');
  const mismatch = new ValidationError([{ field: 'records', message: 'checksum differs' }]);

  it('locks, copies, verifies, commits (the pivot) and releases', () => {
    spec.given().when(succeeds()).thenRuns('copy').when(succeeds()).thenRuns('verify').when(succeeds()).thenRuns('commit').when(succeeds()).thenRuns('release').when(succeeds()).thenCompletes();
  });

  it('a copy that fails for good undoes the copy, then the lock: the sources are unlocked, nothing changed', () => {
    spec.given('lock').when(fails(down, { final: true })).thenCompensates('copy').when(succeeds()).thenCompensates('lock').when(succeeds()).thenCompensated('EVENT_STORE.SHARD_UNAVAILABLE');
  });

  it('a verification that finds a difference compensates from the copy (verify has nothing to undo)', () => {
    spec.given('lock', 'copy').when(fails(mismatch)).thenCompensates('copy');
  });

  it('a shard down during the copy is retried before anything is undone', () => {
    spec.given('lock').when(fails(down)).thenRetries().when(fails(down)).thenRetries();
  });

  it('after the commit only goes forward: a release that fails for good parks the move for an operator, whose retry finishes it', () => {
    spec.given('lock', 'copy', 'verify', 'commit').when(fails(mismatch)).thenParks('VALIDATION_FAILED').when(operatorRetries()).thenRuns('release').when(succeeds()).thenCompletes();
  });

  it('voiding a commit a late attempt already committed turns the move forward to the release', () => {
    spec.given('lock', 'copy', 'verify').when(fails(mismatch, { final: true })).thenCompensates('commit').when(fails(new PivotReachedError('committed after all'))).thenRuns('release');
  });

  it('the deadline or an operator abort before the commit compensates what ran', () => {
    spec.given('lock', 'copy').when(deadlinePasses()).thenCompensates('copy');
    spec.given('lock').when(operatorAborts()).thenCompensates('copy');
  });
});
