import { replay } from '../domain/evolve';
import { RecordState } from '../domain/record';
import { RecordEvent } from '../domain/record.events';

/**
 * given(events).when(decide).then(events | error): decisions are tested as pure functions of the
 * history, the way the event store will feed them.
 */
export function given(history: RecordEvent[]) {
  const state = replay(history);
  return {
    when(decide: (state: RecordState | null) => RecordEvent | RecordEvent[] | null) {
      const run = () => {
        const out = decide(state);
        return out === null ? [] : Array.isArray(out) ? out : [out];
      };
      return {
        then(expected: RecordEvent[]) {
          expect(run()).toEqual(expected);
        },
        thenFails(code: string) {
          expect(run).toThrow(expect.objectContaining({ code }));
        },
      };
    },
  };
}
