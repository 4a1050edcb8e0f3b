// Recording and replaying the event store: JSONL of the envelopes the relay publishes (export,
// read back, replay into any projection). Driver-free: the event log comes in through its port.
export * from './envelope-jsonl';
export * from './event-selection';
export * from './export-events';
export * from './jsonl-event-log';
export * from './import-recording';
export * from './record-state-of-import';
