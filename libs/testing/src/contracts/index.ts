// The contract suites: what every adapter of a port must do, declared as jest tests (describe/it),
// run against the in-memory double (a *.unit.spec.ts) and the real adapter (a *.int.spec.ts).
export * from './read-model.contract';
export * from './event-store.contract';
export * from './commit-points.contract';
export * from './saga-store.contract';
export * from './user-keys.contract';
export * from './worker-id-lease-store.contract';
export * from './record-cache.contract';
export * from './outbox-source.contract';
export * from './shard-lease.contract';
export * from './event-publisher.contract';
export * from './dead-letters.contract';
export * from './pending-invalidations.contract';
export * from './saga-job-queue.contract';
export * from './record-state.contract';
export * from './event-log-reader.contract';
export * from './event-import.contract';
