export * from './read-model.errors';
export * from './search.http.controller';
export * from './analytics.http.controller';
export * from './query-openapi';
export * from './query-openapi.http.controller';
