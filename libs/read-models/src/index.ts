// The query side's ports onto its read models: search and analytics, their input schemas, results and errors.
export * from './search/record-search.schemas';
export * from './search/record-search.port';
export * from './search/record-search.errors';
export * from './analytics/utc-days';
export * from './analytics/record-analytics.schemas';
export * from './analytics/record-analytics.port';
