// The lifecycle every worker shares: no driver, no other Shardline lib but the error vocabulary.
export * from './worker.port';
export * from './worker.lifecycle';
export * from './sleep';
export * from './backoff';
export * from './retry';
