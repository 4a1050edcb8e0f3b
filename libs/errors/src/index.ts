export * from './error-kind';
export * from './shardline-error';
export * from './common-errors';
export * from './validate';
