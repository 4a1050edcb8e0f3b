// MySQL adapters of slot moves: the control-database store and the shard-to-shard copier.
export * from './mysql-slot-move.store';
export * from './mysql-slot-copier';
export * from './copy-chunk';
export * from './catch-up-chunk';
export * from './verify-slots';
export * from './delete-slot-rows';
export * from './plan-checks';
export { EVENT_COPY_COLUMNS, RECORD_COPY_COLUMNS } from './copy-rows';
export { EVENT_SLOT, RECORD_SLOT } from './slot-sql';
export * from './mysql-slot-move.effects';
export * from './source-observations';
export * from './row-estimates';
