// Projection runtime: the sink port that read models implement, the Kafka runner around it,
// and the rebuild that replays the event store into a fresh read model and swaps it in.
export * from './projection-sink.port';
export * from './runner/projection-runner';
export * from './runner/projection-metrics';
export * from './runner/projection-lag';
export * from './runner/dead-letter';
export * from './runner/backoff';
export * from './rebuild/rebuild-projection';
export * from './runner/apply-coalescer';
