// Kafka plumbing shared by the apps that talk to the broker (relay, projector, command intake).
export * from './kafka.config';
export * from './kafka-client';
export * from './ensure-topics';
export * from './enforce-topic-config';
export * from './kafkajs-idle-timer-fix';
