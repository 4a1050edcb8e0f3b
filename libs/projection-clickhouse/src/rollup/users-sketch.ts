import type { Sql } from '../sql/sql-literals';

/*
 * The distinct-users sketch the rollup keeps per row and the raw reads build per day: uniqCombined
 * at precision 14 (2^14 HyperLogLog cells, ~0.8 % standard error; exact-ish small-set and hash-set
 * modes below a few thousand users). Precision 14, not the default 17: 18.16 merges a 17 sketch
 * of a busy day in ~0.7 ms, a 14 one in ~0.1 ms, so 30 days of every business cost 21 ms against
 * 4 (error on that data −0.4 % and −0.3 %; bench/README.md, 2026-12-03). Every state, merge and
 * column type names the same precision: sketches of different precisions do not merge.
 */
export const USERS_SKETCH_TYPE = 'AggregateFunction(uniqCombined(14), UInt64)';

export const sketchOf = (userIds: Sql): Sql => `uniqCombinedState(14)(${userIds})`;
export const sketchUnion = (sketches: Sql): Sql => `uniqCombinedMergeState(14)(${sketches})`;
export const sketchCount = (sketches: Sql): Sql => `uniqCombinedMerge(14)(${sketches})`;
