import { mkdirSync } from 'node:fs';
import { ChildApp } from '../../test/support/child-app';

/** A built app the pipeline benchmark runs as its own process (as in production), ready when `readyUrl` answers. */
export class AppProcess {
  private app: ChildApp | undefined;

  constructor(
    readonly name: string,
    private readonly readyUrl: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    // BENCH_APP_LOG_DIR=/tmp/x keeps each app's whole output in /tmp/x/<app>.log (for diagnosis).
    const logDir = process.env.BENCH_APP_LOG_DIR;
    if (logDir) mkdirSync(logDir, { recursive: true });
    this.app = ChildApp.built(this.name, this.env, nodeArgsOf(this.name), { logFile: logDir ? `${logDir}/${this.name}.log` : undefined }).start();
    await this.app.waitUntilReady(this.readyUrl, 90_000);
  }

  get pid(): number | undefined {
    return this.app?.pid;
  }

  async stop(): Promise<void> {
    await this.app?.stop('SIGTERM', 20_000);
  }
}

/**
 * Extra node flags per app from BENCH_APP_NODE_ARGS, e.g. `relay=--cpu-prof --cpu-prof-dir=/tmp/prof;projector=--cpu-prof`
 * (apps exit normally on SIGTERM, so --cpu-prof writes its profile at the end of the run).
 */
function nodeArgsOf(name: string): string[] {
  for (const entry of (process.env.BENCH_APP_NODE_ARGS ?? '').split(';')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && entry.slice(0, eq).trim() === name) return entry.slice(eq + 1).trim().split(/\s+/).filter(Boolean);
  }
  return [];
}
