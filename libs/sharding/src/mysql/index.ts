export * from './shard-databases';
export * from './mysql-slot-map.store';
export * from './shard-pool.metrics';
