import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The processes listening on the given TCP ports (Linux /proc): port -> pid. How the benchmark
 * tells THIS stack's engines from another stack's on the same machine (the soak runs a second
 * Elasticsearch, Kafka, ClickHouse and four MariaDB servers beside the shared ones): by command line
 * they look alike, by port they do not. Ports nobody listens on (or whose owner this user may not
 * inspect) are missing from the answer.
 */
export function listeningPids(ports: readonly number[]): Map<number, number> {
  const inodeToPort = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table: string;
    try {
      table = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const port = parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16);
      if (ports.includes(port)) inodeToPort.set(f[9], port);
    }
  }
  const out = new Map<number, number>();
  if (inodeToPort.size === 0) return out;
  for (const pid of numericDirs('/proc')) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const port = inode === undefined ? undefined : inodeToPort.get(inode);
      if (port !== undefined && !out.has(port)) out.set(port, pid);
    }
    if (out.size === inodeToPort.size) break;
  }
  return out;
}

export function numericDirs(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}
