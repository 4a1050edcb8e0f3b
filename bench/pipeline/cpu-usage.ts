import { readFileSync } from 'node:fs';
import { numericDirs } from './listening-pids';

/**
 * CPU time per process over a window, read from /proc (Linux), so the benchmark can show where
 * the machine's cores went while the load ran: each engine, each app, the load generator itself.
 * Percent of one core: a 2-core machine has 200 % to give. Engines are recognised by their
 * command line anywhere on the machine, so a second stack running beside this one would be
 * counted too.
 */
export class CpuUsage {
  private start = new Map<string, number>();
  private startedAt = 0;

  /** `apps`: name -> pid of the processes the benchmark started; engines are found by command line. */
  constructor(private readonly apps: () => Record<string, number | undefined>) {}

  begin(): void {
    this.start = this.ticks();
    this.startedAt = performance.now();
  }

  /** Percent of one core per process name since begin(), highest first (empty where /proc is missing). */
  end(): Array<{ name: string; percent: number }> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    return [...this.ticks()]
      .map(([name, ticks]) => ({ name, percent: ((ticks - (this.start.get(name) ?? 0)) / TICKS_PER_SECOND / seconds) * 100 }))
      .sort((a, b) => b.percent - a.percent);
  }

  private ticks(): Map<string, number> {
    const out = new Map<string, number>();
    const add = (name: string, pid: number) => {
      const t = ticksOf(pid);
      if (t !== undefined) out.set(name, (out.get(name) ?? 0) + t);
    };
    for (const [name, pid] of Object.entries(this.apps())) if (pid) add(name, pid);
    add('load generator', process.pid);
    for (const pid of pids()) {
      const engine = engineOf(pid);
      if (engine) add(engine, pid);
    }
    return out;
  }
}

export const ENGINES: Array<[string, RegExp]> = [
  ['mariadb', /(^|\/)(mariadbd|mysqld)( |$)/],
  ['elasticsearch', /org\.elasticsearch\.bootstrap/],
  ['kafka', /kafka\.Kafka( |$)/],
  ['clickhouse', /clickhouse-server/],
  ['redis', /redis-server/],
];

export function engineOf(pid: number): string | undefined {
  let cmd: string;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
  return ENGINES.find(([, pattern]) => pattern.test(cmd))?.[0];
}

function pids(): number[] {
  return numericDirs('/proc');
}

/** USER_HZ: 100 on every Linux ABI Node runs on. */
export const TICKS_PER_SECOND = 100;

/** utime + stime of a process (all its threads), in clock ticks. */
export function ticksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Busy and total CPU ticks of the whole machine (all cores) from /proc/stat: what every process
 * used, ours, the engines' and anyone else's (another session's tests count here too).
 */
export function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}
