// Reconciliation of the event store with its read models (ops CLI `verify`, `--repair`,
// `records:rebuild`): slices, digests, ports and the drill-down, with no engine behind them.
// Adapters: libs/records-mysql/src/verification (events, records), libs/projection-elasticsearch/src/verification,
// libs/projection-clickhouse/src/verification.
export * from './slice';
export * from './digest';
export * from './ports';
export * from './expectations';
export * from './verifier';
export * from './repair';
export * from './report-format';
