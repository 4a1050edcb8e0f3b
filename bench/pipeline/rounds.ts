/**
 * bench:pipeline several times in a row, and the median of every stage/raw ratio over the runs.
 * One run's ratios move by ±25 % between identical runs — the raw baselines as much as the stages
 * (bench/pipeline/README.md) — so a claim about a ratio, or an A/B of a change, rests on several
 * alternating runs; this does the alternating and the arithmetic.
 *
 *   BENCH_ROUNDS=3 npm run bench:pipeline:rounds
 *   BENCH_VARIANTS='{"default":{},"idle50":{"SHARDLINE_RELAY_IDLE_MS":"50"}}' npm run bench:pipeline:rounds
 *
 * BENCH_ROUNDS (3): runs per variant. BENCH_VARIANTS: a JSON object, variant name → environment
 * added to its runs; the runs alternate the variants (a b a b …) so a slow minute of the machine
 * falls on both. Everything else in the environment passes to every run (BENCH_PHASES defaults to
 * `cost,raw`: the phases the ratios need). Each run has its own topics, indices and databases, and
 * prints its full report as it goes; the summary comes at the end.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { StageRatio } from './cost-report';
import { summaryOf, type RunSummary } from './run-summary';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VARIANTS = variantsFromEnv(process.env.BENCH_VARIANTS);

function variantsFromEnv(json: string | undefined): Array<[string, Record<string, string>]> {
  if (!json) return [['default', {}]];
  const parsed = JSON.parse(json) as Record<string, Record<string, string>>;
  const variants = Object.entries(parsed);
  if (variants.length === 0 || variants.some(([, env]) => typeof env !== 'object' || env === null)) throw new Error('BENCH_VARIANTS: a JSON object of variant name → {VARIABLE: value}');
  return variants;
}

/** One bench:pipeline run (this same node, the same TypeScript loader), its output echoed; its summary. */
function runOnce(label: string, env: Record<string, string>): Promise<RunSummary | null> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, resolve(__dirname, 'main.ts')], {
      env: { ...process.env, BENCH_PHASES: process.env.BENCH_PHASES ?? 'cost,raw', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise(summaryOf(output)) : reject(new Error(`${label}: bench:pipeline exited with ${code}`))));
  });
}

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');

/** Per variant: each ratio's value in every run and its median, and the same for the pipeline's and the machine's µs per event. */
export function summaryLines(byVariant: Map<string, RunSummary[]>): string[] {
  const lines: string[] = [];
  for (const [variant, runs] of byVariant) {
    lines.push(`\n## ${variant}: ${runs.length} runs (stage / raw per run → median; µs/event medians)`);
    const keys = [...new Set(runs.flatMap((r) => r.ratios.map((x) => x.key)))];
    for (const key of keys) {
      const found = runs.map((r) => r.ratios.find((x) => x.key === key)).filter((x): x is StageRatio => x !== undefined);
      const ratios = found.map((x) => (x.stage ?? NaN) / (x.raw ?? NaN));
      lines.push(`  ${key.padEnd(16)} ${ratios.map(f2).join(' / ').padEnd(24)} → ${f2(median(ratios))}x  (${f0(median(found.map((x) => x.stage ?? NaN)))} vs ${f0(median(found.map((x) => x.raw ?? NaN)))} µs/event)`);
    }
    lines.push(`  pipeline µs/event ${runs.map((r) => f0(r.pipeline ?? NaN)).join(' / ')} → ${f0(median(runs.map((r) => r.pipeline ?? NaN)))}; whole machine ${runs.map((r) => f0(r.whole ?? NaN)).join(' / ')} → ${f0(median(runs.map((r) => r.whole ?? NaN)))}`);
  }
  return lines;
}

async function main(): Promise<void> {
  const byVariant = new Map<string, RunSummary[]>(VARIANTS.map(([name]) => [name, []]));
  console.log(`# bench:pipeline rounds: ${ROUNDS} per variant, alternating ${VARIANTS.map(([name, env]) => `${name} ${JSON.stringify(env)}`).join(', ')}`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, env] of VARIANTS) {
      console.log(`\n# ===== round ${round} of ${ROUNDS}, variant ${name} =====`);
      const summary = await runOnce(`round ${round} ${name}`, env);
      if (!summary) throw new Error('a run printed no summary: rounds need BENCH_PHASES with cost and raw');
      byVariant.get(name)!.push(summary);
    }
  }
  for (const line of summaryLines(byVariant)) console.log(line);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
