// Two tiers, told apart by file suffix: *.unit.spec.ts (no I/O, in-memory adapters) and
// *.int.spec.ts (real MariaDB/Redis/... brought up by scripts/stack). `npm test` runs both.
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }],
    // ESM-only dependencies (content-disposition 3, under Bull Board's @fastify/static) compiled to
    // CommonJS for jest's module registry; Node itself loads them natively (require(esm)).
    '/node_modules/content-disposition/.+\\.js$': ['@swc/jest', { swcrc: false, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/tools', '<rootDir>/.stack'],
  // expect(response).toHaveStatus(n): status assertions that print the body when they fail.
  setupFilesAfterEnv: ['<rootDir>/test/support/status-matcher.ts'],
};
module.exports = {
  // Integration tests wait on real engines; testTimeout is a global option in jest (not per project).
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,apps,test,sagas,bench}/**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/{libs,apps,test}/**/*.int.spec.ts'] },
  ],
};
