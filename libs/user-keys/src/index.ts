// Port, wrapping, cache, config and the in-memory adapter: no database driver behind this entry
// point. The control-database adapter: `@shardline/user-keys/mysql`.
export * from './user-keys.port';
export * from './user-keys.config';
export * from './key-wrapping';
export * from './cached-user-keys';
export * from './in-memory/in-memory-user-keys';
export * from './sealing-event.store';
