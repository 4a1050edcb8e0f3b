import { PlannedStatement } from './sql-statements';

export interface InlineChange<TState> {
  streamId: string;
  expectedVersion: number;
  state: TState;
}

/**
 * A state table kept in the same transaction as the events (e.g. `records`). It plans statements;
 * the event store runs them inside the append transaction. A statement with a `guard` must affect
 * exactly one row, otherwise another writer got there first and the command fails with a conflict.
 */
export interface MysqlInlineProjection<TState> {
  plan(changes: InlineChange<TState>[]): PlannedStatement[];
}
