// Routing only: no database driver. Pools and the persisted slot map are `@shardline/sharding/mysql`.
export * from './slot-map';
export * from './shard-router';
export * from './sharding.config';
export * from './shard-registry';
export * from './slot-map-source.port';
export * from './slot-map-watcher';
export * from './slot-epoch-conflict.error';
export * from './slot-cutover.plan';
