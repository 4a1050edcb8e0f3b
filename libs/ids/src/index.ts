export * from './snowflake';
export * from './worker-id-lease';
export * from './in-memory-worker-id-lease.store';
export * from './worker-id-lease.config';
