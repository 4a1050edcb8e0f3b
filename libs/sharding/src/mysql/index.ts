export * from './shard-databases';
export * from './mysql-slot-map.store';
export * from './mysql-shard-registry';
export * from './owned-slots';
export * from './mysql-connection-errors';
export * from './shard-pool.metrics';
export * from './live-slot-map';
export * from './slot-map.metrics';
