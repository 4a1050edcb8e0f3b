'use strict';
/**
 * Node flags an app runs with, wherever it is started: `npm start` (scripts/start.sh), the
 * `start:<app>` scripts, the tests' and benchmarks' child processes (test/support/child-app.ts).
 * A deployment starts each app as `node <flags of the app> dist/apps/<app>/main.js`
 * (`node apps/node-flags.cjs <app>` prints them).
 *
 * relay: --max-semi-space-size=32 (MiB; the young generation's halves). The relay allocates a
 * batch's rows, envelopes and kafkajs encode buffers and keeps them across the produce request's
 * await, so with the default young generation much of each batch survived a scavenge into the old
 * generation. Alternating bench:pipeline cost phases at 2,000 events/s: relay 60-82 µs/event with
 * 32 against 88-101 with the default; 64 gave 102-104 (bench/pipeline/README.md, 2026-12-04
 * "young generation").
 */
const FLAGS = {
  relay: ['--max-semi-space-size=32'],
};

/** The flags of `app` (none for an app not listed). */
function nodeFlagsOf(app) {
  return FLAGS[app] ?? [];
}

module.exports = { nodeFlagsOf };

if (require.main === module) process.stdout.write(nodeFlagsOf(process.argv[2] ?? '').join(' '));
