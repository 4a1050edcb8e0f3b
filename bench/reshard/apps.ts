import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ChildApp } from '../../test/support/child-app';

/** How the apps run: from their TypeScript source (no build) or built (`npm run build`: as in production). */
export type AppsMode = 'source' | 'built';

const ENTRIES = { api: 'apps/api/src/main.ts', 'saga-worker': 'apps/saga-worker/src/main.ts', relay: 'apps/relay/src/main.ts' } as const;
export type AppKind = keyof typeof ENTRIES;
const ROOT = resolve(__dirname, '../..');

/** One app of the benchmark as its own child process, ready once its health endpoint answers. */
export class BenchApp {
  private app: ChildApp | undefined;

  constructor(
    readonly name: string,
    readonly kind: AppKind,
    private readonly readyUrl: string,
    private readonly env: Record<string, string>,
    private readonly mode: AppsMode,
  ) {}

  async start(): Promise<void> {
    // BENCH_APP_LOG_DIR=/tmp/x keeps each app's whole output in /tmp/x/<name>.log (for diagnosis).
    const logDir = process.env.BENCH_APP_LOG_DIR;
    if (logDir) mkdirSync(logDir, { recursive: true });
    const logFile = logDir ? `${logDir}/${this.name}.log` : undefined;
    this.app =
      this.mode === 'built'
        ? ChildApp.built(this.kind, this.env, [], { logFile })
        : new ChildApp(this.name, ['-r', `${ROOT}/scripts/register-ts.cjs`, `${ROOT}/${ENTRIES[this.kind]}`], this.env, { logFile });
    this.app.start();
    // From source, every start compiles the app's whole import graph on a shared 2-core machine.
    await this.app.waitUntilReady(this.readyUrl, 180_000);
  }

  get pid(): number | undefined {
    return this.app?.pid;
  }

  get running(): boolean {
    return this.app?.running ?? false;
  }

  log(): string {
    return this.app?.log() ?? '';
  }

  async stop(): Promise<void> {
    await this.app?.stop('SIGTERM', 20_000);
  }
}
