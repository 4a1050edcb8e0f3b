export * from './shard-databases';
export * from './mysql-slot-map.store';
