export * from './mysql-outbox.source';
export * from './mysql-shard.lease';
