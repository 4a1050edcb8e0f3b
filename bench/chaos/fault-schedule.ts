import { Rng } from './rng';

/** The six processes `npm start` runs; each can be kill -9'd and restarted. */
export const APP_NAMES = ['api', 'query-api', 'relay', 'projector', 'command-intake', 'saga-worker'] as const;
export type AppName = (typeof APP_NAMES)[number];

export const ENGINE_NAMES = ['shard', 'kafka', 'elasticsearch', 'clickhouse', 'redis'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** What a fault hits: an app process, or an engine of the private stack (a shard = one shard's own server). */
export type FaultKind = AppName | EngineName;
export const FAULT_KINDS: readonly FaultKind[] = [...APP_NAMES, ...ENGINE_NAMES];

/**
 * kill9: SIGKILL, then started again (apps by the soak, engines through scripts/stack);
 * stop: the engine's own graceful stop (scripts/stack/<engine>.sh down / stop-shard);
 * freeze: SIGSTOP, then SIGCONT (a hung server: connections stay open, nothing answers).
 */
export type FaultMode = 'kill9' | 'stop' | 'freeze';

export interface PlannedFault {
  /** 1-based, in start order. */
  n: number;
  kind: FaultKind;
  /** Shard index for kind 'shard'. */
  shard?: number;
  mode: FaultMode;
  /** Seconds after the load started. */
  atS: number;
  /** Seconds between the fault and the start of the recovery. */
  downS: number;
  /** Set when this fault was planned to overlap the previous one (two at once). */
  overlaps?: number;
}

export interface ScheduleOptions {
  seed: number;
  durationS: number;
  /** Kinds allowed (default: all; empty: no faults). */
  kinds?: readonly FaultKind[];
  shardCount?: number;
}

const DOWN_S: Record<FaultKind, [number, number]> = {
  api: [2, 6],
  'query-api': [2, 6],
  relay: [2, 8],
  projector: [2, 8],
  'command-intake': [2, 8],
  'saga-worker': [2, 8],
  shard: [5, 20],
  kafka: [5, 20],
  elasticsearch: [5, 20],
  clickhouse: [5, 15],
  redis: [3, 12],
};

export function faultLabel(f: Pick<PlannedFault, 'kind' | 'shard' | 'mode'>): string {
  return `${f.kind}${f.kind === 'shard' ? `-${f.shard}` : ''} ${f.mode}`;
}

/** The target a fault acts on (two faults never hit the same target at once). */
export function faultTarget(f: Pick<PlannedFault, 'kind' | 'shard'>): string {
  return f.kind === 'shard' ? `shard-${f.shard}` : f.kind;
}

/**
 * The fault schedule of a run: a pure function of (seed, duration, kinds), so a seed printed by one
 * run replays the same faults at the same offsets. Kinds are taken in shuffled rounds, so every
 * allowed kind occurs once before any occurs twice; about one fault in four overlaps the previous
 * one on another target. Nothing starts in the first 15 s, and every fault is planned to recover
 * before the quiet tail (the last 10 %, at least 20 s) in which the read models converge.
 */
export function planFaults(options: ScheduleOptions): PlannedFault[] {
  const rng = new Rng(options.seed ^ 0x5eed);
  const kinds = options.kinds ? [...options.kinds] : [...FAULT_KINDS];
  if (kinds.length === 0) return [];
  const shardCount = options.shardCount ?? 4;
  const end = options.durationS - Math.max(20, options.durationS * 0.1);
  const faults: PlannedFault[] = [];
  let round: FaultKind[] = [];
  const nextKind = (): FaultKind => {
    if (round.length === 0) round = rng.shuffle(kinds);
    return round.shift()!;
  };
  const make = (kind: FaultKind, atS: number): Omit<PlannedFault, 'n'> => {
    const [lo, hi] = DOWN_S[kind];
    const engine = (ENGINE_NAMES as readonly string[]).includes(kind);
    const roll = rng.next();
    const mode: FaultMode = !engine ? 'kill9' : roll < 0.4 ? 'stop' : roll < 0.8 ? 'kill9' : 'freeze';
    return { kind, ...(kind === 'shard' ? { shard: rng.int(0, shardCount - 1) } : {}), mode, atS, downS: rng.int(lo, hi) };
  };
  let t = 15 + rng.int(0, 10);
  while (true) {
    const first = make(nextKind(), t);
    if (first.atS + first.downS > end) break;
    faults.push({ n: faults.length + 1, ...first });
    let until = first.atS + first.downS;
    if (kinds.length > 1 && rng.chance(0.25)) {
      let kind = nextKind();
      if (kind === first.kind && kind !== 'shard') kind = nextKind();
      const second = make(kind, first.atS + rng.int(0, Math.max(1, Math.floor(first.downS / 2))));
      if (second.kind === 'shard' && first.kind === 'shard') second.shard = (first.shard! + 1) % shardCount;
      if (faultTarget(second) !== faultTarget(first) && second.atS + second.downS <= end) {
        faults.push({ n: faults.length + 1, ...second, overlaps: faults.length });
        until = Math.max(until, second.atS + second.downS);
      }
    }
    t = until + rng.int(10, 30);
  }
  return faults;
}

export function describeSchedule(faults: readonly PlannedFault[]): string {
  return faults
    .map((f) => `  #${String(f.n).padStart(2)} at ${String(f.atS).padStart(4)}s  ${faultLabel(f).padEnd(26)} down ${String(f.downS).padStart(2)}s${f.overlaps ? `  (with #${f.overlaps})` : ''}`)
    .join('\n');
}
