// ClickHouse read model of record events: the projection sink, its schema, and the adapter of the
// query side's RecordAnalytics port (@shardline/read-models).
export * from './clickhouse.config';
export * from './clickhouse-gateway';
export * from './sql/sql-literals';
export * from './sql/tab-separated';
export * from './schema/analytics-tables';
export * from './schema/analytics-ddl';
export * from './sink/event-rows';
export * from './sink/clickhouse-projection.sink';
export * from './analytics/clickhouse-analytics.adapter';
export * from './verification/read-model-fingerprint';
export * from './erasure/clickhouse-user.erasure';
export * from './verification/clickhouse-records.sides';
export * from './rollup/rollup-tables';
export * from './rollup/daily-rollup';
export * from './retention/clickhouse-retention';
