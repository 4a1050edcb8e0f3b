// The saga runtime's driver-free side: definitions, state, transitions, orchestrator, ports.
// Adapters: @shardline/sagas/mysql (state), @shardline/sagas/bullmq (jobs).
export * from './definition/saga.definition';
export * from './definition/continue-later';
export * from './state/saga.state';
export * from './state/saga.errors';
export * from './state/saga.transitions';
export * from './ports/saga-store.port';
export * from './ports/saga-job-queue.port';
export * from './orchestrator/saga.orchestrator';
export * from './orchestrator/saga.metrics';
export * from './orchestrator/run-with-timeout';
export * from './in-memory/in-memory-saga.store';
export * from './in-memory/in-memory-saga-job.queue';
export * from './orchestrator/saga-state.metrics';
