/**
 * What prom-client's default metrics cost an idle process, by event-loop sampling interval: each
 * variant runs in a child process of its own (a registry with collectDefaultMetrics and nothing else
 * but a 1 s interval), side by side, and prints its CPU per second over the idle window after a
 * warm-up. `none` is the process without default metrics.
 *   scripts/with-node tsx bench/pipeline/event-loop-monitor-idle.ts
 * BENCH_IDLE_SECONDS (24), BENCH_PRECISIONS (none,10,100: ms between samples; 10 is prom-client's default).
 */
import { spawn } from 'node:child_process';

const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 24);
const PRECISIONS = (process.env.BENCH_PRECISIONS ?? 'none,10,100').split(',');

/** The child: idle with the default metrics at `precision`, then prints its CPU ms per second. */
const CHILD = `
const { collectDefaultMetrics, Registry } = require('prom-client');
const precision = process.argv[1];
if (precision !== 'none') collectDefaultMetrics({ register: new Registry(), eventLoopMonitoringPrecision: Number(precision) });
setInterval(() => {}, 1000);
setTimeout(() => {
  const from = process.cpuUsage();
  setTimeout(() => {
    const used = process.cpuUsage(from);
    console.log(((used.user + used.system) / 1000 / ${SECONDS}).toFixed(2));
    process.exit(0);
  }, ${SECONDS} * 1000);
}, 3000);
`;

function idleCpu(precision: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // A bare node: without the loader this script runs under (tsx), which has timers of its own.
    const child = spawn(process.execPath, ['-e', CHILD, precision], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`precision ${precision}: exit ${code}`))));
  });
}

async function main(): Promise<void> {
  console.log(`# prom-client default metrics, idle process: CPU ms per second over ${SECONDS} s (after 3 s), one child per variant, side by side`);
  const results = await Promise.all(PRECISIONS.map(async (p) => [p, await idleCpu(p)] as const));
  for (const [precision, ms] of results) console.log(`  ${precision === 'none' ? 'no default metrics' : `event loop sampled every ${precision} ms`}: ${ms.toFixed(2)} ms/s`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
