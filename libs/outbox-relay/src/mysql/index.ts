export * from './mysql-outbox.source';
export * from './mysql-shard.lease';
export * from './outbox-hand-off';
