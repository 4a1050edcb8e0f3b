/**
 * Layer rules (ports and adapters), checked by `npm run lint:deps` inside `npm test`.
 */
const DRIVERS = '^(knex|mysql2|kafkajs|ioredis|bullmq|@elastic/elasticsearch|@clickhouse/client|fastify|@nestjs/platform-fastify|@nestjs/microservices)($|/)';

module.exports = {
  forbidden: [
    {
      name: 'no-domain-to-infra-deps',
      comment: 'The records domain (aggregate, commands, events, decisions, handlers) knows nothing of MySQL, Kafka, Redis or transports.',
      severity: 'error',
      from: { path: '^libs/records/src' },
      to: { path: [`node_modules/${DRIVERS.slice(1)}`, '^libs/[^/]+/src/mysql', '^libs/records-(mysql|http)', '^libs/http'] },
    },
    {
      name: 'mysql-only-in-adapters',
      comment: 'Only MySQL adapters (a lib\'s src/mysql folder), records-mysql and migrations talk to MySQL.',
      severity: 'error',
      from: { pathNot: '^(libs/[^/]+/src/mysql|libs/records-mysql|migrations|test|bench)' },
      to: { path: 'node_modules/(knex|mysql2)($|/)' },
    },
    {
      name: 'port-entry-points-stay-driver-free',
      comment: 'Importing @shardline/sharding or @shardline/event-store must not pull in a database driver.',
      severity: 'error',
      from: { path: '^libs/(sharding|event-store)/src', pathNot: '^libs/(sharding|event-store)/src/mysql' },
      to: { path: ['^libs/(sharding|event-store)/src/mysql', 'node_modules/(knex|mysql2)($|/)'] },
    },
    {
      name: 'contracts-stay-client-free',
      comment: 'Topic names and the event envelope are shared contracts: no Kafka, database or transport client behind them.',
      severity: 'error',
      from: { path: '^libs/integration-events/src' },
      to: { path: [`node_modules/${DRIVERS.slice(1)}`, '^libs/[^/]+/src/mysql'] },
    },
    {
      name: 'relay-core-stays-driver-free',
      comment: 'The relay loop and its ports know no MySQL or Kafka: adapters live in outbox-relay/src/mysql and src/kafka.',
      severity: 'error',
      from: { path: '^libs/outbox-relay/src', pathNot: '^libs/outbox-relay/src/(mysql|kafka)' },
      to: { path: ['^libs/outbox-relay/src/(mysql|kafka)', '^libs/[^/]+/src/mysql', `node_modules/${DRIVERS.slice(1)}`] },
    },
    {
      name: 'projections-core-stays-driver-free',
      comment:
        'The projection core (decode → apply → dead letters, lag, the rebuild protocol) and its ports know no broker or engine: only projections/src/kafka imports kafkajs and the Kafka plumbing (@shardline/kafka).',
      severity: 'error',
      from: { path: '^libs/projections/src', pathNot: '^libs/projections/src/kafka' },
      to: { path: ['^libs/projections/src/kafka', '^libs/kafka/', '^libs/[^/]+/src/(mysql|kafka)', `node_modules/${DRIVERS.slice(1)}`] },
    },
    {
      name: 'kafkajs-only-in-adapters',
      comment:
        'kafkajs is imported only where Kafka is the point: libs/kafka (client from config, topic provisioning), a lib\'s src/kafka adapter folder (outbox-relay/src/kafka, projections/src/kafka), libs/records-kafka (the Kafka command intake), and the composition roots, tests and benchmarks (apps, test, bench).',
      severity: 'error',
      from: { pathNot: '^(libs/kafka/src|libs/[^/]+/src/kafka|libs/records-kafka/src|apps|test|bench)/' },
      to: { path: 'node_modules/kafkajs($|/)' },
    },
    {
      name: 'worker-lifecycle-stays-generic',
      comment: 'libs/worker is the lifecycle of every worker (relay, projections, sagas, slot moves): no driver, no Shardline lib but the error vocabulary.',
      severity: 'error',
      from: { path: '^libs/worker/src' },
      to: { path: ['^libs/(?!worker/|errors/)', `node_modules/${DRIVERS.slice(1)}`] },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs' },
      to: { path: '^apps' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
