export * from './commit-points.port';
export * from './in-memory/in-memory-commit-points';
