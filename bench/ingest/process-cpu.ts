import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of named groups of processes over a window, from /proc (Linux), so each phase can print
 * CPU microseconds per record for every process that did the work: the api, the database engine,
 * the load generator. A group is re-listed at both ends (PostgreSQL forks a backend per
 * connection): a process that appears during the window counts from zero, one that exits before its
 * end is lost, so phases read the end before closing their connections.
 */
export interface ProcessGroup {
  name: string;
  pids: () => number[];
}

export class CpuMeter {
  private start = new Map<string, Map<number, number>>();
  private machineStart = machineBusyTicks();
  private startedAt = performance.now();
  private rest = NaN;

  constructor(private readonly groups: ProcessGroup[]) {}

  begin(): void {
    this.start = new Map(this.groups.map((g) => [g.name, ticksOfAll(g.pids())]));
    this.machineStart = machineBusyTicks();
    this.startedAt = performance.now();
  }

  /** Microseconds of CPU per unit of work (e.g. per record) of each group since begin(); NaN where /proc has nothing. */
  end(units: number): Array<{ name: string; usPerUnit: number }> {
    let measured = 0;
    const used = this.groups.map((g) => {
      const before = this.start.get(g.name) ?? new Map<number, number>();
      const after = ticksOfAll(g.pids());
      if (after.size === 0) return { name: g.name, usPerUnit: NaN };
      let ticks = 0;
      for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
      measured += ticks;
      // USER_HZ is 100 on every Linux ABI Node runs on: a tick is 10 ms.
      return { name: g.name, usPerUnit: (ticks * 10_000) / Math.max(1, units) };
    });
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.rest = (machineBusyTicks() - this.machineStart - measured) / 100 / Math.max(0.001, seconds);
    return used;
  }

  /**
   * Cores the rest of the machine kept busy during the last begin()..end() (every CPU's busy time
   * from /proc/stat less the measured groups'): on a shared machine, the load a figure was taken
   * beside. NaN before end() or without /proc/stat.
   */
  get restCores(): number {
    return this.rest;
  }
}

/** Busy clock ticks of all CPUs since boot (/proc/stat: everything but idle and iowait; guest time is already in user). */
function machineBusyTicks(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    return user + nice + system + irq + softirq + steal;
  } catch {
    return NaN;
  }
}

/** "api 212, mariadb 95, load generator 80 µs/record" */
export function formatCpu(groups: Array<{ name: string; usPerUnit: number }>, unit: string): string {
  return `${groups.map((g) => `${g.name} ${Number.isFinite(g.usPerUnit) ? g.usPerUnit.toFixed(0) : 'n/a'}`).join(', ')} µs/${unit}`;
}

/** This process (the load generator, or an in-process peer client). */
export const thisProcess: ProcessGroup = { name: 'load generator', pids: () => [process.pid] };

/** The MariaDB server the shards live on, by its pid file (BENCH_MARIADB_PID_FILE, default the Debian one). */
export const mariadb: ProcessGroup = {
  name: 'mariadb',
  pids: () => {
    try {
      return [Number(readFileSync(process.env.BENCH_MARIADB_PID_FILE ?? '/run/mysqld/mysqld.pid', 'utf8').trim())];
    } catch {
      return [];
    }
  },
};

/** Every PostgreSQL process on the machine (postmaster, backends, WAL writer…): their comm is "postgres". */
export const postgres: ProcessGroup = { name: 'postgresql', pids: () => pidsNamed('postgres') };

export function processOf(name: string, pid: number | undefined): ProcessGroup {
  return { name, pids: () => (pid ? [pid] : []) };
}

function pidsNamed(comm: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'latin1').trim() === comm;
      } catch {
        return false;
      }
    });
}

function ticksOfAll(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const t = ticksOf(pid);
    if (t !== undefined) out.set(pid, t);
  }
  return out;
}

/** utime + stime of a process (all its threads), in clock ticks. */
function ticksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
