// Projection runtime: the sink port that read models implement, and the Kafka runner around it.
export * from './projection-sink.port';
