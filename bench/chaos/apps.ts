import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { AppName } from './fault-schedule';
import { ROOT } from './private-stack';
import { nodeFlagsOf } from '../../test/support/child-app';

export const APP_PORTS: Record<AppName, number> = {
  api: 3930,
  'query-api': 3931,
  relay: 9530,
  projector: 9531,
  'command-intake': 9532,
  'saga-worker': 9533,
};

/** Per-app settings on top of the run's shared env: ports, and a Snowflake worker id of its own. */
function appEnv(name: AppName, workerId: number): Record<string, string> {
  const port = String(APP_PORTS[name]);
  const common = { SHARDLINE_WORKER_ID: String(workerId) };
  switch (name) {
    case 'api':
      return { ...common, SHARDLINE_HTTP_PORT: port, SHARDLINE_HTTP_HOST: '127.0.0.1' };
    case 'query-api':
      return { ...common, SHARDLINE_QUERY_HTTP_PORT: port, SHARDLINE_QUERY_HTTP_HOST: '127.0.0.1' };
    case 'relay':
      return { ...common, SHARDLINE_RELAY_OPS_PORT: port, SHARDLINE_RELAY_OPS_HOST: '127.0.0.1' };
    case 'projector':
      return { ...common, SHARDLINE_PROJECTOR_OPS_PORT: port, SHARDLINE_PROJECTOR_OPS_HOST: '127.0.0.1' };
    case 'command-intake':
      return { ...common, SHARDLINE_COMMAND_INTAKE_OPS_PORT: port, SHARDLINE_OPS_HOST: '127.0.0.1' };
    case 'saga-worker':
      return { ...common, SHARDLINE_SAGA_OPS_PORT: port, SHARDLINE_SAGA_OPS_HOST: '127.0.0.1' };
  }
}

/**
 * One built app (dist/apps/<name>/main.js) as a child process that the fault schedule kill -9's and
 * starts again. Its output is appended to <logDir>/<name>.log across restarts. An exit the soak did
 * not cause is reported through onUnexpectedExit (a crash is a finding) and the app is restarted.
 */
export class SoakApp {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  private killing = false;
  restarts = 0;

  constructor(
    readonly name: AppName,
    private readonly env: Record<string, string>,
    workerId: number,
    logDir: string,
    private readonly onUnexpectedExit: (app: SoakApp, code: number | null, signal: string | null) => void,
  ) {
    this.env = { ...env, ...appEnv(name, workerId) };
    this.log = createWriteStream(`${logDir}/${name}.log`, { flags: 'a' });
  }

  get url(): string {
    return `http://127.0.0.1:${APP_PORTS[this.name]}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const entry = resolve(ROOT, `dist/apps/${this.name}/main.js`);
    if (!existsSync(entry)) throw new Error(`${entry} missing: run npm run build first`);
    this.killing = false;
    this.log.write(`\n==== [soak] start ${this.name} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, ['--enable-source-maps', ...nodeFlagsOf(this.name), entry], { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.on('exit', (code, signal) => {
      this.log.write(`==== [soak] ${this.name} exited code=${code} signal=${signal} at ${new Date().toISOString()}\n`);
      if (!this.killing) this.onUnexpectedExit(this, code, signal);
    });
  }

  /** Polls <url>/health/<which> until it answers 200. */
  async waitUntil(which: 'live' | 'ready', timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (!this.running) throw new Error(`${this.name} exited while starting (see its log)`);
      try {
        if ((await fetch(`${this.url}/health/${which}`, { signal: AbortSignal.timeout(2000) })).ok) return Date.now() - started;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ${which} within ${timeoutMs} ms`);
  }

  async kill9(): Promise<void> {
    await this.signal('SIGKILL', 10_000);
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM', 30_000);
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.killing = true;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
