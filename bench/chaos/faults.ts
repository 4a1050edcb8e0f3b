import { appendFileSync } from 'node:fs';
import type { SoakApp } from './apps';
import { sleep } from './careful-client';
import { APP_NAMES, faultLabel, faultTarget, type AppName, type EngineName, type FaultKind, type PlannedFault } from './fault-schedule';
import type { FaultWindow } from './fault-log';
import type { EngineFaults } from './private-stack';

const isApp = (kind: FaultKind): kind is AppName => (APP_NAMES as readonly string[]).includes(kind);

/**
 * Runs the fault schedule against the running apps and the private stack, each fault at its planned
 * offset from the load's start; two faults may be in progress at once. Every window goes to
 * faults.jsonl as it closes and is printed.
 */
export class FaultInjector {
  readonly windows: FaultWindow[] = [];
  readonly skipped: PlannedFault[] = [];

  constructor(
    private readonly plan: readonly PlannedFault[],
    private readonly apps: Map<AppName, SoakApp>,
    private readonly engines: EngineFaults,
    private readonly logPath: string,
  ) {}

  /**
   * Each fault starts at its planned offset, but never before the faults planned before it have
   * recovered (a slow recovery on a busy machine delays the rest of the schedule instead of piling
   * faults up), except the one it was planned to overlap: one at a time, sometimes two.
   */
  async run(startedAt: number, stopped: () => boolean): Promise<void> {
    const running = new Map<number, Promise<void>>();
    for (const f of this.plan) {
      const wait = startedAt + f.atS * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      await Promise.all([...running].filter(([n]) => n !== f.overlaps).map(([, p]) => p));
      if (stopped()) {
        this.skipped.push(f);
        continue;
      }
      running.set(f.n, this.inject(f));
    }
    await Promise.all(running.values());
  }

  private async inject(f: PlannedFault): Promise<void> {
    const w: FaultWindow = { n: f.n, label: faultLabel(f), kind: f.kind, target: faultTarget(f), mode: f.mode, downAt: Date.now(), detail: [] };
    this.windows.push(w);
    const t = () => `+${((Date.now() - w.downAt) / 1000).toFixed(1)}s`;
    console.log(`[fault #${f.n}] ${new Date(w.downAt).toISOString()} ${w.label}: down for ${f.downS}s`);
    try {
      if (isApp(f.kind)) {
        await this.apps.get(f.kind)!.kill9();
        w.detail.push(`SIGKILL ${f.kind}`);
      } else {
        w.detail.push(await this.engines.down(f as PlannedFault & { kind: EngineName }));
      }
      await sleep(f.downS * 1000);
      for (let attempt = 1; ; attempt++) {
        try {
          if (isApp(f.kind)) {
            const app = this.apps.get(f.kind)!;
            if (!app.running) app.start();
            const ms = await app.waitUntil('live', 180_000);
            w.detail.push(`restarted, live after ${ms} ms`);
          } else {
            w.detail.push(await this.engines.up(f as PlannedFault & { kind: EngineName }));
          }
          break;
        } catch (e) {
          w.detail.push(`recovery attempt ${attempt} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
          if (attempt >= 5) throw e;
          await sleep(3000);
        }
      }
    } catch (e) {
      w.error = e instanceof Error ? e.message.split('\n').slice(0, 5).join(' | ') : String(e);
    }
    w.upAt = Date.now();
    console.log(`[fault #${f.n}] ${w.label}: recovered ${t()} after the fault (${w.detail.join('; ')})${w.error ? ` ERROR ${w.error}` : ''}`);
    appendFileSync(this.logPath, `${JSON.stringify(w)}\n`);
  }

  /** An app exited by itself: noted as an unplanned window (not an excuse for 5xx), then restarted. */
  async unplannedExit(app: SoakApp, code: number | null, signal: string | null): Promise<void> {
    const w: FaultWindow = { n: 0, label: `${app.name} exited by itself (code ${code}, signal ${signal})`, kind: app.name, target: app.name, mode: 'crash', downAt: Date.now(), detail: [], unplanned: true };
    console.log(`[soak] UNPLANNED: ${w.label}; restarting it`);
    await sleep(1000);
    try {
      if (!app.running) app.start();
      w.detail.push(`restarted, live after ${await app.waitUntil('live', 180_000)} ms`);
    } catch (e) {
      w.error = e instanceof Error ? e.message : String(e);
    }
    w.upAt = Date.now();
    this.windows.push(w);
    appendFileSync(this.logPath, `${JSON.stringify(w)}\n`);
  }

  get lastRecoveredAt(): number | undefined {
    const ups = this.windows.map((w) => w.upAt ?? Date.now());
    return ups.length ? Math.max(...ups) : undefined;
  }
}
