import { ShardlineError } from '@shardline/errors';
import { deciderSpec } from './decider-spec';

/** A decider the size of a test: a counter that refuses to go past its limit. */
type Event = { type: 'Added'; n: number };
const counter = deciderSpec({
  initialState: () => 0,
  evolve: (total: number, event: Event) => total + event.n,
  decide(command: { add: number }, total: number): Event[] {
    if (total + command.add > 10) throw new LimitError(total);
    return command.add === 0 ? [] : [{ type: 'Added', n: command.add }];
  },
});
class LimitError extends ShardlineError {
  readonly code = 'COUNTER.LIMIT';
  readonly kind = 'conflict';
  constructor(total: number) {
    super(`at ${total}`, { details: [{ field: 'add', message: 'over the limit' }] });
  }
}

describe('deciderSpec: given/when/then over any decider', () => {
  it('folds the history with evolve from initialState before deciding', () => {
    expect(counter.given([{ type: 'Added', n: 4 }, { type: 'Added', n: 5 }]).state).toBe(9);
    counter.given([{ type: 'Added', n: 4 }]).when({ add: 2 }).then([{ type: 'Added', n: 2 }]);
    counter.given([]).when({ add: 0 }).then([]);
  });

  it('compares a refusal by code, and by details when the spec names them', () => {
    counter.given([{ type: 'Added', n: 9 }]).when({ add: 2 }).thenFails('COUNTER.LIMIT');
    counter.given([{ type: 'Added', n: 9 }]).when({ add: 2 }).thenFails('COUNTER.LIMIT', [{ field: 'add', message: 'over the limit' }]);
  });

  it('fails the spec when the outcome differs, saying what happened instead', () => {
    expect(() => counter.given([]).when({ add: 2 }).then([{ type: 'Added', n: 3 }])).toThrow();
    expect(() => counter.given([]).when({ add: 2 }).thenFails('COUNTER.LIMIT')).toThrow(/accepted with \[\{"type":"Added","n":2\}\]/);
    expect(() => counter.given([{ type: 'Added', n: 10 }]).when({ add: 1 }).then([])).toThrow(/refused: COUNTER.LIMIT/);
    expect(() => counter.given([{ type: 'Added', n: 10 }]).when({ add: 1 }).thenFails('OTHER.CODE')).toThrow();
    expect(() => counter.given([{ type: 'Added', n: 10 }]).when({ add: 1 }).thenFails('COUNTER.LIMIT', [])).toThrow();
  });

  it('adjusts the replayed state with what a runner loads beside the events', () => {
    counter.given([], { adjust: () => 10 }).when({ add: 1 }).thenFails('COUNTER.LIMIT');
  });
});
