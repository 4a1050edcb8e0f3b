// Saga definitions: plain modules that read top to bottom (step, action, compensation), with the
// effects they need declared beside them. The saga worker registers them with their effects.
export * from './atomic-batch/atomic-batch.effects';
export * from './atomic-batch/atomic-batch.saga';
export * from './commit-point';
export * from './move-records/move-records.effects';
export * from './move-records/move-records.saga';
export * from './erase-user/erase-user.effects';
export * from './erase-user/erase-user.saga';
export * from './slot-move/slot-move.effects';
export * from './slot-move/slot-move.saga';
