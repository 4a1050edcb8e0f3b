import { rebuildProjectionCommand } from '../../apps/ops-cli/src/rebuild-projection.command';
import { CpuUsage } from '../pipeline/cpu-usage';

export interface ReplayFigures {
  projection: 'elasticsearch' | 'clickhouse';
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU µs per event of each engine and of the replaying process ("load generator": this one). */
  cpuPerEvent: Record<string, number>;
}

/**
 * Both read models through the operators' replay path: `npm run projections:rebuild -- <model>`
 * (apps/ops-cli), run in-process with the benchmark's private environment. It captures the topic's
 * end offsets, replays every shard's event table into a fresh index / table set, catches up from
 * Kafka and swaps it in; its rate is the replayed events over the whole command's time.
 */
export async function replayReadModels(env: Record<string, string | undefined>, models: Array<'elasticsearch' | 'clickhouse'>, parallel = false): Promise<ReplayFigures[]> {
  if (parallel) return Promise.all(models.map((m) => replayOne(env, m)));
  const out: ReplayFigures[] = [];
  for (const projection of models) out.push(await replayOne(env, projection));
  return out;
}

/** One rebuild; with both running at once (parallel) each one's CPU figures include the other's. */
async function replayOne(env: Record<string, string | undefined>, projection: 'elasticsearch' | 'clickhouse'): Promise<ReplayFigures> {
  const cpu = new CpuUsage(() => ({}));
  cpu.begin();
  const started = performance.now();
  const report = await rebuildProjectionCommand(projection, env);
  const seconds = (performance.now() - started) / 1000;
  const events = report.replayedEvents;
  if (report.replayRejections > 0) throw new Error(`${projection} replay dead-lettered ${report.replayRejections} events`);
  return { projection, events, seconds, eventsPerSecond: events / seconds, cpuPerEvent: cpuPerUnit(cpu.end(), seconds, events) };
}

/** µs of CPU per unit of work for each process CpuUsage saw (those that used ≥ 1 % of a core). */
export function cpuPerUnit(usage: Array<{ name: string; percent: number }>, seconds: number, units: number): Record<string, number> {
  return Object.fromEntries(usage.filter((u) => u.percent >= 1).map((u) => [u.name === 'load generator' ? 'bench' : u.name, ((u.percent / 100) * seconds * 1e6) / Math.max(1, units)]));
}
