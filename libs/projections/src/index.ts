// Projection runtime without a broker behind it (enforced by dependency-cruiser): the sink port
// that read models implement, the apply core shared by the live runner and the rebuild, lag, the
// rebuild protocol over ports, in-memory ports for unit tests. Kafka: `@shardline/projections/kafka`.
export * from './projection-sink.port';
export * from './projection-topics';
export * from './projection.metrics';
export * from './apply/source-message';
export * from './apply/dead-letter.port';
export * from './apply/apply-chunk';
export * from './apply/apply-coalescer';
export * from './apply/partition-batch.port';
export * from './apply/partition-batch.processor';
export * from './lag/projection-lag';
export * from './lag/topic-offsets.port';
export * from './lag/projection-lag.monitor';
export * from './rebuild/rebuild.port';
export * from './rebuild/rebuild-projection.runner';
export * from './rebuild/rebuild-id';
export * from './in-memory/in-memory-projection.ports';
export * from './apply/envelope-keys.port';
export * from './apply/open-envelopes';
export * from './apply/decoded-envelope-cache';
export * from './dead-letters/dead-letter-headers';
export * from './dead-letters/stored-dead-letter';
export * from './dead-letters/letter-event';
export * from './dead-letters/letter-filter';
export * from './dead-letters/reason-pattern';
export * from './dead-letters/dead-letter-source.port';
export * from './dead-letters/resend-ledger.port';
export * from './dead-letters/list-dead-letters';
export * from './dead-letters/resend-dead-letters';
export * from './in-memory/in-memory-dead-letter.ports';
export * from './repair/reproject-streams';
export * from './lag/consumer-group-catch-up';
export * from './rebuild/replay-event-store';
