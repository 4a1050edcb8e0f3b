import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

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
    this.child = spawn(process.execPath, [entry], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.tail.push(...chunk.toString().split('\n').filter(Boolean));
      this.tail.splice(0, Math.max(0, this.tail.length - 50));
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
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
