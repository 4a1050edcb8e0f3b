import { expect } from 'expect';

/**
 * A decider in emmett's shape: the whole write-side logic of one stream as three pure functions.
 * `decide` refuses a command by throwing (a ShardlineError with a stable `code`).
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** A refusal as the kit compares it: the error's `code`, and its field `details` when a spec names them. */
export interface ExpectedRefusal {
  code: string;
  details?: ReadonlyArray<{ field: string; message: unknown }>;
}

/** What one decision gave: the new events, or the error it was refused with. */
export type DecisionOutcome<Event> = { events: Event[] } | { error: unknown };

export interface DecisionThen<Event> {
  /** The command was accepted and produced exactly these events (deep equality, as jest's toEqual). */
  then(expected: Event[]): void;
  /** The command was refused with this code (and, when given, exactly these field details). */
  thenFails(code: string, details?: ExpectedRefusal['details']): void;
  /** The raw outcome, for assertions the two above do not cover. */
  outcome(): DecisionOutcome<Event>;
}

export interface GivenOptions<State> {
  /**
   * Adjusts the replayed state before the decision: what a runner loads beside the events (a lock
   * mark on the state row, say) and no event carries.
   */
  adjust?(state: State): State;
}

/**
 * given(past events).when(command).then(new events) / .thenFails(code): a decider tested as a pure
 * function of the history, the way a command runner feeds it (state = the events folded by
 * `evolve` from `initialState()`). Free of jest's globals: it asserts with the `expect` library,
 * so it runs under any test runner (a failed assertion throws).
 */
export function deciderSpec<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(history: readonly Event[], options: GivenOptions<State> = {}) {
      const replayed = history.reduce(decider.evolve, decider.initialState());
      const state = options.adjust ? options.adjust(replayed) : replayed;
      return {
        state,
        when(command: Command): DecisionThen<Event> {
          return decisionThen(() => decider.decide(command, state));
        },
      };
    },
  };
}

/** The then-side of any decision that returns a list or throws a refusal (a batch's decisions, say). */
export function decisionThen<Event>(decide: () => Event[]): DecisionThen<Event> {
  const outcome = (): DecisionOutcome<Event> => {
    try {
      return { events: decide() };
    } catch (error) {
      return { error };
    }
  };
  return {
    outcome,
    then(expected) {
      const got = outcome();
      if ('error' in got) throw new Error(`expected events, but the command was refused: ${describe(got.error)}`, { cause: got.error });
      expect(got.events).toEqual(expected);
    },
    thenFails(code, details) {
      const got = outcome();
      if (!('error' in got)) throw new Error(`expected a refusal with ${code}, but the command was accepted with ${JSON.stringify(got.events)}`);
      expect(got.error).toEqual(expect.objectContaining(details ? { code, details } : { code }));
    },
  };
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? `${e.code}: ${String(e.message)}` : String(error);
}
