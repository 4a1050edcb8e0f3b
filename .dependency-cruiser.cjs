/**
 * Layer rules (ports and adapters), checked by `npm run lint:deps` inside `npm test`.
 */
const DRIVERS = '^(knex|mysql2|kafkajs|ioredis|bullmq|@elastic/elasticsearch|@clickhouse/client|fastify|@nestjs/platform-fastify)($|/)';

module.exports = {
  forbidden: [
    {
      name: 'errors-stay-transport-free',
      comment: 'The error vocabulary is shared by every lib: it imports no other Shardline lib, no framework and no driver (zod only, for validate).',
      severity: 'error',
      from: { path: '^libs/errors/src' },
      to: { path: ['^libs/(?!errors/)', '^apps', 'node_modules/(?!zod/)'] },
    },
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
      comment: 'Importing @shardline/sharding, @shardline/event-store or @shardline/user-keys must not pull in a database driver.',
      severity: 'error',
      from: { path: '^libs/(sharding|event-store|user-keys)/src', pathNot: '^libs/(sharding|event-store|user-keys)/src/mysql' },
      to: { path: ['^libs/(sharding|event-store|user-keys)/src/mysql', 'node_modules/(knex|mysql2)($|/)'] },
    },
    {
      name: 'contracts-stay-client-free',
      comment: 'Topic names and the event envelope are shared contracts: no Kafka, database or transport client behind them.',
      severity: 'error',
      from: { path: '^libs/integration-events/src' },
      to: { path: [`node_modules/${DRIVERS.slice(1)}`, '^libs/[^/]+/src/mysql'] },
    },
    {
      name: 'read-model-ports-stay-engine-free',
      comment: 'The search and analytics ports, their input schemas and errors belong to the query side; adapters import them, so they import no engine lib, driver or framework.',
      severity: 'error',
      from: { path: '^libs/read-models/src' },
      to: { path: [`node_modules/${DRIVERS.slice(1)}`, 'node_modules/@nestjs/', '^libs/projection-(elasticsearch|clickhouse)', '^libs/query-http', '^libs/[^/]+/src/mysql'] },
    },
    {
      name: 'query-routes-know-no-engine',
      comment: 'The search and analytics routes talk to the ports of @shardline/read-models; which engine answers them is wired in apps/query-api.',
      severity: 'error',
      from: { path: '^libs/query-http/src' },
      to: { path: ['^libs/projection-(elasticsearch|clickhouse)', 'node_modules/(@elastic/elasticsearch|@clickhouse/client)($|/)'] },
    },
    {
      name: 'elasticsearch-client-only-in-its-lib',
      comment:
        'Only libs/projection-elasticsearch talks to Elasticsearch. Also allowed because they use it today: apps/query-api (the composition root types the client it creates, closes and probes for readiness) and test/ (fixtures, stack checks); bench/ does not.',
      severity: 'error',
      from: { pathNot: '^(libs/projection-elasticsearch|apps/query-api|test)/' },
      to: { path: 'node_modules/@elastic/elasticsearch($|/)' },
    },
    {
      name: 'clickhouse-client-only-in-its-lib',
      comment: 'Only libs/projection-clickhouse (its gateway) talks to ClickHouse; test/ also uses the client today (stack checks). apps/ and bench/ go through the gateway.',
      severity: 'error',
      from: { pathNot: '^(libs/projection-clickhouse|test)/' },
      to: { path: 'node_modules/@clickhouse/client($|/)' },
    },
    {
      name: 'relay-core-stays-driver-free',
      comment: 'The relay loop and its ports know no MySQL or Kafka: adapters live in outbox-relay/src/mysql and src/kafka.',
      severity: 'error',
      from: { path: '^libs/outbox-relay/src', pathNot: '^libs/outbox-relay/src/(mysql|kafka)' },
      to: { path: ['^libs/outbox-relay/src/(mysql|kafka)', '^libs/[^/]+/src/mysql', `node_modules/${DRIVERS.slice(1)}`] },
    },
    {
      name: 'saga-core-stays-driver-free',
      comment: 'The saga runtime core (definitions, state, transitions, orchestrator, ports) knows no MySQL or BullMQ: adapters live in sagas/src/mysql and src/bullmq.',
      severity: 'error',
      from: { path: '^libs/sagas/src', pathNot: '^libs/sagas/src/(mysql|bullmq)' },
      to: { path: ['^libs/sagas/src/(mysql|bullmq)', '^libs/[^/]+/src/mysql', `node_modules/${DRIVERS.slice(1)}`] },
    },
    {
      name: 'saga-definitions-are-plain-modules',
      comment: 'sagas/ holds definitions that read top to bottom: no framework, no driver, no adapter; effects are injected.',
      severity: 'error',
      from: { path: '^sagas/' },
      to: { path: ['node_modules/@nestjs', `node_modules/${DRIVERS.slice(1)}`, '^libs/[^/]+/src/(mysql|bullmq|kafka)', '^apps'] },
    },
    {
      name: 'slot-moves-core-stays-driver-free',
      comment: 'Slot-move types, the planner, cursors and ports know no MySQL: the store and the copier live in slot-moves/src/mysql.',
      severity: 'error',
      from: { path: '^libs/slot-moves/src', pathNot: '^libs/slot-moves/src/mysql' },
      to: { path: ['^libs/slot-moves/src/mysql', '^libs/[^/]+/src/mysql', `node_modules/${DRIVERS.slice(1)}`] },
    },
    {
      name: 'bullmq-only-in-saga-adapters',
      comment: 'Only the saga runtime\'s BullMQ adapter (and tests, benchmarks) talks to BullMQ.',
      severity: 'error',
      from: { pathNot: '^(libs/sagas/src/bullmq|test|bench)' },
      to: { path: 'node_modules/bullmq($|/)' },
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
      name: 'test-kit-only-in-tests',
      comment: 'The test kit (@shardline/testing: given/when/then, in-memory doubles, contract suites) is for specs, spec helpers and benchmarks; no app or lib imports it at run time.',
      severity: 'error',
      from: { pathNot: ['[.]spec[.]ts$', '[.]spec-helper[.]ts$', '^libs/testing/', '^test/', '^bench/'] },
      to: { path: '^libs/testing/' },
    },
    {
      name: 'test-kit-stays-driver-free',
      comment: 'The test kit runs in unit specs: no driver and no engine adapter (a spec wires the real adapter it holds to a contract).',
      severity: 'error',
      from: { path: '^libs/testing/src' },
      to: { path: [`node_modules/${DRIVERS.slice(1)}`, '^libs/[^/]+/src/(mysql|bullmq|kafka)', '^libs/projection-(elasticsearch|clickhouse)/'] },
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
