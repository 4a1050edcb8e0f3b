// Runs the TypeScript sources directly (`node -r ./scripts/register-ts.cjs apps/relay/src/main.ts`):
// compiles .ts with @swc/core using the project's .swcrc (legacy decorators + emitDecoratorMetadata,
// which Nest's dependency injection needs and tsx/esbuild does not emit) and resolves the
// tsconfig `paths` aliases (@shardline/...). Used by tests that run apps as child processes
// (kill -9 and restart) without a webpack build; production runs the built dist/apps/*.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
const aliases = Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, path.join(root, target)]);

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveWithAliases(request, parent, ...rest) {
  for (const [alias, target] of aliases) {
    if (request === alias) return originalResolve.call(this, target, parent, ...rest);
  }
  return originalResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcrc, swcrc: false, filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
process.setSourceMapsEnabled?.(true);
