/**
 * Where a slot-move group's wall time goes (issue 14): per step of the slot-move saga, the wall time
 * (the step log's start → finish) and the time the worker spent running it (the worker's
 * `shardline_saga_step_seconds` sum), averaged over the groups that finished the step. The rest of
 * the wall time is waiting: continueLater delays (the settle window, polls), queue latency.
 *
 *   scripts/with-node tsx bench/reshard/group-stages.ts <control database> [worker metrics url]
 *
 * e.g. during a bench:reshard run: `bench_reshard_<run>_control http://127.0.0.1:9541/metrics`.
 * Connection settings from the environment (SHARDLINE_CONTROL_URL's host/port or the defaults).
 */
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import type { SagaState } from '@shardline/sagas';

interface StepFigures {
  groups: number;
  wallMs: number;
  continuations: number;
}

/** Per step: groups that finished it, their summed wall time and continuations. */
export function stepWallTimes(states: readonly SagaState[]): Map<string, StepFigures> {
  const out = new Map<string, StepFigures>();
  for (const state of states)
    for (const log of state.steps) {
      if (log.phase !== 'action' || log.status !== 'succeeded' || !log.finishedAt) continue;
      const figures = out.get(log.step) ?? { groups: 0, wallMs: 0, continuations: 0 };
      figures.groups += 1;
      figures.wallMs += Date.parse(log.finishedAt) - Date.parse(log.startedAt);
      figures.continuations += log.continuations ?? 0;
      out.set(log.step, figures);
    }
  return out;
}

/** Seconds the worker spent running each step of the slot-move saga (all outcomes), from its /metrics text. */
export function workSecondsByStep(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const m = /^shardline_saga_step_seconds_sum\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m || !m[1].includes('type="slot-move"') || !m[1].includes('phase="action"')) continue;
    const step = /step="([^"]+)"/.exec(m[1])![1];
    out.set(step, (out.get(step) ?? 0) + Number(m[2]));
  }
  return out;
}

async function main(): Promise<void> {
  const [database, metricsUrl] = process.argv.slice(2);
  if (!database) throw new Error('usage: group-stages.ts <control database> [worker metrics url]');
  const config = shardingConfigFromEnv({ ...process.env, SHARDLINE_CONTROL_DB: database, SHARDLINE_SHARD_COUNT: '1' });
  const databases = new ShardDatabases(config);
  try {
    const rows = await databases.control('sagas').where({ type: 'slot-move' }).select('state');
    const states = rows.map((r: { state: string | object }) => (typeof r.state === 'string' ? JSON.parse(r.state) : r.state) as SagaState);
    const done = states.filter((s) => s.status === 'completed');
    const wall = stepWallTimes(states);
    const work = metricsUrl ? workSecondsByStep(await (await fetch(metricsUrl)).text()) : new Map<string, number>();
    const whole = done.map((s) => Date.parse(s.finishedAt!) - Date.parse(s.steps[0].startedAt));
    // Admitted → done, and how much of it lies between steps (a step's job waiting in the queue).
    const running = done.map((s) => Date.parse(s.finishedAt!) - Date.parse(s.steps[0].finishedAt!));
    const between = done.map((s) => s.steps.slice(1).reduce((gap, log, i) => gap + Date.parse(log.startedAt) - Date.parse(s.steps[i].finishedAt!), 0));
    console.log(`${states.length} group sagas, ${done.length} completed; a completed group's wall time: queued + running ${mean(whole)} ms, running (admitted → done) ${mean(running)} ms, of which between steps ${mean(between)} ms`);
    console.log('step      | groups | wall per group (ms) | runs per group | worker busy per group (ms, all groups run so far) ');
    for (const [step, f] of wall) {
      const runs = f.continuations / f.groups + 1;
      const busy = work.has(step) ? Math.round((work.get(step)! * 1000) / Math.max(1, states.filter((s) => s.steps.some((l) => l.step === step)).length)) : '-';
      console.log(`${step.padEnd(9)} | ${String(f.groups).padStart(6)} | ${String(Math.round(f.wallMs / f.groups)).padStart(19)} | ${runs.toFixed(1).padStart(14)} | ${busy}`);
    }
  } finally {
    await databases.destroy();
  }
}

const mean = (xs: number[]) => (xs.length === 0 ? '-' : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));

if (require.main === module)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
