// The test kit: given/when/then over deciders, sagas and projections, and the in-memory records read
// model (the other doubles live beside their ports, libs/*/src/in-memory). Free of jest's globals
// (assertions use the `expect` library); the contract suites, which declare jest tests, are apart:
// `@shardline/testing/contracts`.
export * from './decider/decider-spec';
export * from './sagas/saga-spec';
export * from './sagas/saga-harness';
export * from './projections/record-history';
export * from './projections/projection-spec';
export * from './read-models/in-memory-records.read-model';
export * from './sharding/business-on-shard';
