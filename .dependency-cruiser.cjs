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
      name: 'records-domain-knows-no-storage',
      comment:
        'The records domain and its decisions (domain/, the commands, decide and evolve) import no storage: no event store (partition months included), no sharding, no cache, no messaging, no driver and no framework. The runner and handlers (application layer) bring those.',
      severity: 'error',
      from: { path: '^libs/records/src/(domain/|commands/.+[.](command|commands|decide|decider)[.]ts$)' },
      to: {
        path: [
          '^libs/(event-store|sharding|records-mysql|records-cache|outbox-relay|projections|projection-[^/]+|kafka|integration-events)/',
          `node_modules/${DRIVERS.slice(1)}`,
          'node_modules/(@nestjs|lru-cache|prom-client)/',
        ],
      },
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
