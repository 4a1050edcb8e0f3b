// Slot moves, driver-free: types, the planner, the cursors and the ports. Adapters: `@shardline/slot-moves/mysql`.
export * from './slot-move.types';
export * from './slot-move.errors';
export * from './slot-move.planner';
export * from './slot-copy.cursors';
export * from './shared-observation';
export * from './slot-copier.port';
export * from './slot-move-store.port';
export * from './slot-move.metrics';
export * from './slot-move.status';
export * from './slot-move.operator';
