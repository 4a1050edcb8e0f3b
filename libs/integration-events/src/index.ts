// Contracts shared by producers and consumers of Shardline's Kafka topics. No client code here.
export * from './record-event-envelope';
export * from './sealed-envelope';
export * from './topics';
export * from './envelope-of';
export * from './envelope-limits';
export * from './random-bytes-pool';
