export * from './records-cache.config';
export * from './record-cache-store.port';
export * from './cached-record-state.reader';
export * from './store-record-cache-invalidator';
export * from './in-memory/in-memory-record-cache-store';
export * from './records-cache.module';
export * from './redis/redis-record-cache-store';
export * from './redis/cache-redis-client';
