import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** Each app's production node flags (apps/node-flags.cjs): tests and benchmarks run the apps as they are deployed. */
export const { nodeFlagsOf } = require('../../apps/node-flags.cjs') as { nodeFlagsOf(app: string): string[] };

/**
 * Children still running when this process exits normally or on an uncaught error (a crashed
 * benchmark) are killed with it: an orphaned relay or api would hold its port and keep consuming,
 * silently skewing the next run. This does not cover jest (each test file gets its own `process`
 * object whose 'exit' never fires) nor a parent killed by a signal: tests stop their children in
 * afterAll/finally.
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * An app (relay, projector, api, ...) as a child process, so a test can SIGKILL it mid-stream and
 * start it again (the crash a real deployment sees, not a polite in-process close()), and a
 * benchmark can run each app in its own process as in production. Output is kept (last 200 lines)
 * for the failure message, and optionally copied whole to a file.
 */
export class ChildApp {
  private child: ChildProcess | undefined;
  private readonly output: string[] = [];

  constructor(
    readonly name: string,
    /** Arguments of `node` (flags and the entry script). */
    private readonly nodeArgs: string[],
    private readonly env: Record<string, string>,
    private readonly options: { logFile?: string } = {},
  ) {}

  /** Runs the app from its TypeScript source (no build needed): `entry` relative to the repository. */
  static fromSource(name: string, entry: string, env: Record<string, string>): ChildApp {
    return new ChildApp(name, [...nodeFlagsOf(name), '-r', `${ROOT}/scripts/register-ts.cjs`, `${ROOT}/${entry}`], env);
  }

  /** Runs the built app `dist/apps/<app>/main.js` (npm run build) with its production node flags (apps/node-flags.cjs), and extra ones if given. */
  static built(app: string, env: Record<string, string>, nodeFlags: string[] = [], options: { logFile?: string } = {}): ChildApp {
    const entry = `${ROOT}/dist/apps/${app}/main.js`;
    if (!existsSync(entry)) throw new Error(`${entry} missing: run npm run build first`);
    return new ChildApp(app, [...nodeFlagsOf(app), ...nodeFlags, entry], env, options);
  }

  start(): this {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.child = spawn(process.execPath, this.nodeArgs, {
      cwd: ROOT,
      env: { ...process.env, SHARDLINE_AUTH: 'off', SHARDLINE_LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = this.child;
    live.add(child);
    child.on('exit', () => live.delete(child));
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    if (this.options.logFile) {
      const file = createWriteStream(this.options.logFile);
      this.child.stdout!.pipe(file);
      this.child.stderr!.pipe(file);
    }
    return this;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit code once it exited by itself (null while running or when a signal ended it). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Polls `url` until it answers 2xx (the app's readiness endpoint). */
  async waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited (${this.child?.exitCode ?? this.child?.signalCode}):\n${this.log()}`);
      try {
        if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} not ready at ${url} within ${timeoutMs} ms:\n${this.log()}`);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed, locks die with the connections. */
  async kill9(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  log(): string {
    return this.output.join('\n');
  }
}
