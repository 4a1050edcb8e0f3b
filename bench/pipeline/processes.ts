import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';

/** The built apps the pipeline benchmark runs, each as its own process (as in production). */
export class AppProcess {
  private child: ChildProcess | undefined;
  private readonly tail: string[] = [];

  constructor(
    readonly name: string,
    private readonly readyUrl: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const entry = `dist/apps/${this.name}/main.js`;
    if (!existsSync(entry)) throw new Error(`${entry} missing: run npm run build first`);
    this.child = spawn(process.execPath, [...nodeArgsOf(this.name), entry], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.tail.push(...chunk.toString().split('\n').filter(Boolean));
      this.tail.splice(0, Math.max(0, this.tail.length - 50));
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    // BENCH_APP_LOG_DIR=/tmp/x keeps each app's whole output in /tmp/x/<app>.log (for diagnosis).
    if (process.env.BENCH_APP_LOG_DIR) {
      const file = createWriteStream(`${process.env.BENCH_APP_LOG_DIR}/${this.name}.log`);
      this.child.stdout!.pipe(file);
      this.child.stderr!.pipe(file);
    }
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited:\n${this.tail.join('\n')}`);
      try {
        if ((await fetch(this.readyUrl, { signal: AbortSignal.timeout(2000) })).ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ready at ${this.readyUrl}:\n${this.tail.join('\n')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
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
