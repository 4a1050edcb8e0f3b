// ClickHouse read model of record events: the projection sink, its schema, and analytics queries.
export * from './clickhouse.config';
export * from './clickhouse-gateway';
export * from './sql/sql-literals';
export * from './schema/analytics-tables';
export * from './schema/analytics-ddl';
export * from './sink/event-rows';
export * from './sink/clickhouse-projection.sink';
export * from './analytics/analytics-inputs';
export * from './analytics/clickhouse-analytics';
export * from './verification/read-model-fingerprint';
