import type { CpuWindow } from './cpu-meter';
import type { RawPhase } from './raw-baselines';

/** The processes of the cost table, in print order; everything but the load generator is "the pipeline". */
export const PROCESS_ORDER = ['api', 'relay', 'projector', 'query-api', 'mariadb', 'kafka', 'elasticsearch', 'clickhouse', 'redis', 'load generator'] as const;
const NOT_PIPELINE = new Set(['load generator']);

const micros = (cpuSeconds: number, events: number) => (events > 0 ? (cpuSeconds * 1e6) / events : NaN);
const pct = (cpuSeconds: number, seconds: number) => (seconds > 0 ? (100 * cpuSeconds) / seconds : NaN);
const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

export function cpuOf(window: CpuWindow, name: string): number {
  return window.cpuSeconds.get(name) ?? 0;
}

/** µs of CPU per event of one process in a window. */
export function microsPerEvent(window: CpuWindow, name: string, events: number): number {
  return micros(cpuOf(window, name), events);
}

export function pipelineMicros(window: CpuWindow, events: number): number {
  let sum = 0;
  for (const [name, seconds] of window.cpuSeconds) if (!NOT_PIPELINE.has(name)) sum += seconds;
  return micros(sum, events);
}

/**
 * The cost table of a phase: per process, percent of one core and µs of CPU per event, beside its
 * idle share (measured before the writes, same processes, nothing written), then the pipeline's sum
 * and the whole machine's (anything else running on the box included).
 */
export function costTable(window: CpuWindow, events: number, idle: CpuWindow | undefined): string[] {
  const lines = [`  ${'process'.padEnd(16)} ${'% of a core'.padStart(11)} ${'µs/event'.padStart(9)} ${'idle %'.padStart(7)}`];
  const names = [...PROCESS_ORDER.filter((n) => window.cpuSeconds.has(n)), ...[...window.cpuSeconds.keys()].filter((n) => !(PROCESS_ORDER as readonly string[]).includes(n))];
  let pipeline = 0;
  let pipelineIdle = 0;
  for (const name of names) {
    const cpu = cpuOf(window, name);
    const idleCpu = idle ? pct(cpuOf(idle, name), idle.seconds) : NaN;
    if (!NOT_PIPELINE.has(name)) {
      pipeline += cpu;
      pipelineIdle += Number.isFinite(idleCpu) ? idleCpu : 0;
    }
    lines.push(`  ${name.padEnd(16)} ${f1(pct(cpu, window.seconds)).padStart(11)} ${f0(micros(cpu, events)).padStart(9)} ${f1(idleCpu).padStart(7)}`);
  }
  const idleShare = idle ? (pipelineIdle / 100) * window.seconds : 0;
  lines.push(
    `  ${'pipeline (all above but the load generator)'}: ${f1(pct(pipeline, window.seconds))} % of a core, ${f0(micros(pipeline, events))} µs/event (${f0(micros(pipeline - idleShare, events))} net of idle)`,
  );
  if (window.machineBusySeconds !== undefined) {
    lines.push(`  whole machine (/proc/stat, every process on the box): ${f1(pct(window.machineBusySeconds, window.seconds))} % of a core, ${f0(micros(window.machineBusySeconds, events))} µs/event`);
  }
  return lines;
}

const ENGINE_OF: Record<string, string> = { 'kafka consume': 'kafka', 'kafka produce': 'kafka', mysql: 'mariadb' };

/** The engine a raw phase drives (its name's first word, or as mapped). */
export function engineOfRaw(phase: RawPhase): string {
  return ENGINE_OF[phase.name] ?? phase.name.split(' ')[0];
}

export function rawLine(phase: RawPhase): string {
  const engine = engineOfRaw(phase);
  const rate = phase.events / phase.window.seconds;
  return `  ${phase.name.padEnd(44)} ${f0(phase.events).padStart(7)} events at ${f0(rate)}/s: client ${f1(phase.clientMicros / phase.events).padStart(6)} µs/event, ${engine} ${f1(microsPerEvent(phase.window, engine, phase.events)).padStart(6)} µs/event${phase.errors ? `, ${phase.errors} errors` : ''}`;
}

/** One stage/raw comparison of a run: its CPU µs per event in the pipeline and in the raw baseline. */
export interface StageRatio {
  /** Stable name, for a summary over several runs (rounds.ts). */
  key: string;
  label: string;
  stage: number;
  raw: number;
}

/**
 * Stage against raw: the relay against the kafkajs producer, the projector against consume + bulk
 * + insert, each as the process alone and as the stage (process + the engines it drives).
 */
export function stageRatios(cost: CpuWindow, events: number, raw: Map<string, RawPhase>): StageRatio[] {
  const per = (name: string) => microsPerEvent(cost, name, events);
  const client = (phase: RawPhase | undefined) => (phase ? phase.clientMicros / phase.events : NaN);
  const engine = (phase: RawPhase | undefined) => (phase ? microsPerEvent(phase.window, engineOfRaw(phase), phase.events) : NaN);
  const produce = raw.get('kafka produce');
  const consume = raw.get('kafka consume');
  const bulk = [...raw.values()].find((p) => p.name.startsWith('elasticsearch'));
  const insert = [...raw.values()].find((p) => p.name.startsWith('clickhouse'));
  const mysql = raw.get('mysql');
  const rawSinkClients = client(consume) + client(bulk) + client(insert);
  const ratios: StageRatio[] = [
    { key: 'relay', label: 'relay / raw kafkajs producer, process', stage: per('relay'), raw: client(produce) },
    {
      key: 'relay-stage',
      label: "relay + kafka broker / raw producer + kafka broker (stage; the broker also serves the projector's fetches)",
      stage: per('relay') + per('kafka'),
      raw: client(produce) + engine(produce),
    },
    { key: 'projector', label: 'projector / raw (kafkajs consume once + ES _bulk + ClickHouse INSERT clients), process', stage: per('projector'), raw: rawSinkClients },
    {
      key: 'projector-stage',
      label: 'projector + elasticsearch + clickhouse / raw clients + the same engines (stage)',
      stage: per('projector') + per('elasticsearch') + per('clickhouse'),
      raw: rawSinkClients + engine(bulk) + engine(insert),
    },
    { key: 'elasticsearch', label: 'elasticsearch in the pipeline / raw _bulk', stage: per('elasticsearch'), raw: engine(bulk) },
    { key: 'clickhouse', label: 'clickhouse in the pipeline / raw INSERT', stage: per('clickhouse'), raw: engine(insert) },
  ];
  if (mysql) ratios.push({ key: 'mariadb', label: 'mariadb in the pipeline (api writes + relay reads/deletes) / raw multi-row INSERT', stage: per('mariadb'), raw: engine(mysql) });
  return ratios;
}

export function ratioLine(r: StageRatio): string {
  return `  ${r.label}: ${f2(r.stage / r.raw)}x (${f1(r.stage)} vs ${f1(r.raw)} µs/event)`;
}
