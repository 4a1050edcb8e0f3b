// Kept here for the test files that import it from support; the contract suites need it too.
export { businessOnShard } from '@shardline/testing';
