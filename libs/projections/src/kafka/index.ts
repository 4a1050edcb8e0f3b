// The Kafka side of the projections: the live runner (consumer group, offsets, heartbeats, DLQ
// producer), the rebuild's broker ports, topic provisioning. The only folder that imports kafkajs.
export * from './projection.runner';
export * from './projection-runner.options';
export * from './kafka-dead-letter.publisher';
export * from './kafka-topic-offsets.adapter';
export * from './ensure-projection-topics';
export * from './rebuild-projection';
export * from './kafka-topic-scanner';
export * from './kafka-dead-letter.source';
export * from './kafka-resend-ledger';
