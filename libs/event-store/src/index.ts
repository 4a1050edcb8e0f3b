// Port side only: importing this pulls in no database driver. The MySQL adapter is
// `@shardline/event-store/mysql`.
export * from './event-store.port';
export * from './event-log-reader.port';
export * from './event-import.port';
export * from './event-store.errors';
export * from './partition-month';
export * from './group-commit/group-committer';
export * from './group-commit/group-commit.config';
export * from './group-commit/group-commit.metrics';
export * from './in-memory/in-memory-event-store';
