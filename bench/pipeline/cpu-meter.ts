import { engineOf, machineTicks, TICKS_PER_SECOND, ticksOf } from './cpu-usage';
import { listeningPids, numericDirs } from './listening-pids';

export interface CpuSample {
  at: number;
  /** Clock ticks used so far, per process name. */
  ticks: Map<string, number>;
  machine: { busy: number; total: number } | undefined;
}

/** CPU used between two samples: seconds of CPU per process name, and the whole machine's. */
export interface CpuWindow {
  seconds: number;
  cpuSeconds: Map<string, number>;
  machineBusySeconds: number | undefined;
}

/**
 * CPU time of named processes (and of the whole machine) sampled at the start and end of each
 * phase, so one run can cost several phases (writes, lag measurement, raw baselines) without the
 * phases' figures leaking into each other. `processes` is asked at every sample, so apps started or
 * restarted between phases are followed.
 */
export class CpuMeter {
  constructor(private readonly processes: () => Record<string, readonly number[]>) {}

  sample(): CpuSample {
    const ticks = new Map<string, number>();
    for (const [name, pids] of Object.entries(this.processes())) {
      let sum = 0;
      let seen = false;
      for (const pid of pids) {
        const t = ticksOf(pid);
        if (t !== undefined) {
          sum += t;
          seen = true;
        }
      }
      if (seen) ticks.set(name, sum);
    }
    return { at: performance.now(), ticks, machine: machineTicks() };
  }
}

export function between(from: CpuSample, to: CpuSample): CpuWindow {
  const cpuSeconds = new Map<string, number>();
  for (const [name, ticks] of to.ticks) {
    const start = from.ticks.get(name);
    // A process that appeared (or restarted) inside the window is counted from 0 only if it is new.
    cpuSeconds.set(name, (ticks - (start !== undefined && start <= ticks ? start : 0)) / TICKS_PER_SECOND);
  }
  const machineBusySeconds = from.machine && to.machine ? (to.machine.busy - from.machine.busy) / TICKS_PER_SECOND : undefined;
  return { seconds: (to.at - from.at) / 1000, cpuSeconds, machineBusySeconds };
}

/**
 * The engines of THIS stack: each engine name -> the pids listening on its ports. Where no
 * listener is found (no /proc, or a process this user may not inspect) it falls back to every
 * process whose command line looks like that engine, and says so: then a second stack on the
 * machine (the soak's) is counted too.
 */
export function enginePids(ports: Record<string, readonly number[]>, warn: (message: string) => void): Record<string, number[]> {
  const all = [...new Set(Object.values(ports).flat())];
  const byPort = listeningPids(all);
  const out: Record<string, number[]> = {};
  const fallback = new Map<string, number[]>();
  for (const [engine, enginePorts] of Object.entries(ports)) {
    const pids = [...new Set(enginePorts.map((p) => byPort.get(p)).filter((p): p is number => p !== undefined))];
    if (pids.length > 0) out[engine] = pids;
    else {
      if (fallback.size === 0) for (const pid of numericDirs('/proc')) pushTo(fallback, engineOf(pid), pid);
      out[engine] = fallback.get(engine) ?? [];
      warn(`no process found listening on ${engine}'s port(s) ${enginePorts.join(', ')}: counting every ${engine} process on the machine (${out[engine].length})`);
    }
  }
  return out;
}

function pushTo(map: Map<string, number[]>, key: string | undefined, pid: number): void {
  if (key === undefined) return;
  const list = map.get(key) ?? [];
  list.push(pid);
  map.set(key, list);
}

/** The port of a URL or a host:port, or `fallback` when it names none (the protocol's default). */
export function portOf(address: string, fallback: number): number {
  try {
    const port = new URL(address.includes('://') ? address : `tcp://${address}`).port;
    return port ? Number(port) : fallback;
  } catch {
    return fallback;
  }
}
