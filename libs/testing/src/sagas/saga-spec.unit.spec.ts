import { UnavailableError, ValidationError } from '@shardline/errors';
import { defineSaga, PivotReachedError, type SagaStep } from '@shardline/sagas';
import { continues, deadlinePasses, fails, operatorAborts, operatorPauses, operatorResumes, operatorRetries, sagaSpec, succeeds } from './saga-spec';

const step = (name: string, extra: Partial<SagaStep<unknown, unknown>> = {}): SagaStep<unknown, unknown> => ({
  name,
  timeoutMs: 100,
  attempts: 2,
  action: async () => null,
  compensation: async () => {},
  ...extra,
});
const saga = defineSaga({
  type: 'four-steps',
  deadlineMs: 60_000,
  parseInput: (raw) => raw,
  steps: [step('reserve'), step('notify', { compensation: undefined }), step('commit', { pivot: true }), step('publish')],
});
const spec = sagaSpec(saga, { input: { n: 1 } });
const down = new UnavailableError('TEST.DOWN', 'down');
const refused = new ValidationError([{ field: 'x', message: 'refused' }]);

describe('sagaSpec: given/when/then over a saga definition', () => {
  it('goes forward step by step and completes, keeping each result', () => {
    const done = spec.given().when(succeeds('r')).thenRuns('notify').when(succeeds()).thenRuns('commit').when(succeeds()).thenRuns('publish').when(succeeds('p')).thenCompletes();
    expect(done.state.results).toEqual({ reserve: 'r', notify: null, commit: null, publish: 'p' });
  });

  it('retries a retriable failure with attempts left, then compensates from the failed step down, skipping steps without compensation', () => {
    spec.given('reserve', 'notify').when(fails(down)).thenRetries();
    spec.given('reserve', 'notify').when(fails(refused)).thenCompensates('commit').when(succeeds()).thenCompensates('reserve').when(succeeds()).thenCompensated('VALIDATION_FAILED');
    // The last attempt allowed fails for good even when retriable.
    const retried = spec.given('reserve', 'notify').when(fails(down)).thenRetries();
    retried.when(fails(down)).thenCompensates('commit');
  });

  it('after the pivot only goes forward: a failure parks the saga, an operator retry resumes it, an abort gives it up', () => {
    const parked = spec.given('reserve', 'notify', 'commit').when(fails(refused)).thenParks('VALIDATION_FAILED');
    parked.when(operatorRetries()).thenRuns('publish').when(succeeds()).thenCompletes();
    parked.when(operatorAborts()).thenAborted();
  });

  it('a compensation that finds the pivot passed turns the saga forward; a compensation failing for good parks it', () => {
    const compensating = spec.given('reserve', 'notify').when(fails(refused)).thenCompensates('commit');
    compensating.when(fails(new PivotReachedError('committed after all'))).thenRuns('publish');
    compensating.when(fails(refused)).thenParks('VALIDATION_FAILED');
  });

  it('the deadline and an operator abort before the pivot compensate', () => {
    spec.given('reserve').when(deadlinePasses()).thenCompensates('reserve');
    spec.given('reserve', 'notify').when(operatorAborts()).thenCompensates('commit');
    spec.given().when(fails(refused)).thenCompensates('reserve').when(succeeds()).thenCompensated();
  });

  it('a step that continues runs again with its progress, no attempt counted; its compensation keeps the action\'s progress', () => {
    const copying = spec.given('reserve').when(continues({ done: 1 }, 500)).thenContinues({ done: 1 }).when(continues({ done: 2 })).thenContinues({ done: 2 });
    expect(copying.state).toMatchObject({ cursor: 1, attempts: 0, steps: [{ step: 'reserve' }, { step: 'notify', attempts: 0, continuations: 2 }] });
    copying.when(succeeds('n')).thenRuns('commit');
    expect(copying.when(succeeds('n')).state.progress).toBeNull();
    // notify has no compensation: a failure after a chunk compensates reserve, and the progress goes with notify.
    expect(copying.when(fails(refused)).thenCompensates('reserve').state.progress).toBeNull();
    const atCommit = spec.given('reserve', 'notify').when(continues('half')).thenContinues('half');
    const undoing = atCommit.when(fails(refused)).thenCompensates('commit');
    expect(undoing.state.progress).toEqual({ step: 'commit', action: 'half' });
    undoing.when(continues(1)).thenContinues(1).when(succeeds()).thenCompensates('reserve');
    expect(() => spec.given('reserve').when(succeeds()).thenContinues({ done: 1 })).toThrow();
  });

  it('an operator pauses a running or compensating saga and resumes it where it was; not a finished one', () => {
    spec.given('reserve').when(operatorPauses()).thenPaused('running').when(operatorResumes()).thenRuns('notify');
    spec.given('reserve').when(fails(refused)).thenCompensates('reserve').when(operatorPauses()).thenPaused('compensating').when(operatorResumes()).thenCompensates('reserve');
    spec.given('reserve').when(operatorPauses()).thenPaused('running').when(operatorAborts()).thenCompensates('reserve');
    const parked = spec.given('reserve', 'notify', 'commit').when(fails(refused)).thenParks();
    expect(() => parked.when(operatorPauses())).toThrow(/only a running or compensating saga can be paused \(it is parked\)/);
    expect(() => spec.given('reserve').when(operatorResumes())).toThrow(/only a paused saga can be resumed \(it is running\)/);
  });

  it('fails the spec when the saga goes elsewhere, and refuses a given out of order', () => {
    expect(() => spec.given().when(succeeds()).thenRuns('commit')).toThrow();
    expect(() => spec.given('reserve', 'notify', 'commit').when(fails(refused)).thenCompensated()).toThrow(/expected compensated, the saga is parked at publish/);
    expect(() => spec.given('notify')).toThrow(/runs action of reserve next, not the action of notify/);
  });
});
