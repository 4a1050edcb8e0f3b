// Port side and the relay loop: no database or Kafka driver behind this entry point. Adapters:
// `@shardline/outbox-relay/mysql` (outbox source, GET_LOCK lease), `@shardline/outbox-relay/kafka` (publisher).
export * from './outbox-relay.ports';
export * from './relay.metrics';
export * from './shard-relay.runner';
export * from './outbox-relay.worker';
export * from './in-memory/in-memory-relay.ports';
export * from './in-memory/in-memory-event-store.outbox';
export * from './sealing-event.publisher';
