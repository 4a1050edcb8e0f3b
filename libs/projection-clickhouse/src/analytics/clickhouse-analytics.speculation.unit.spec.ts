import type { ClickHouseGateway } from '../clickhouse-gateway';
import { ClickHouseAnalytics } from './clickhouse-analytics.adapter';

/**
 * The adapter starts a repeated question with the usable runs the previous call of the same range
 * read, while it reads them again; it keeps that early answer only when the runs did not change.
 * A scripted gateway: the runs read answers only when the test releases it, so what was sent
 * before it answered is visible.
 */
class ScriptedGateway implements ClickHouseGateway {
  readonly sent: string[] = [];
  runId = '7715100421829483167';
  failNextQuery = false;
  private release: Array<() => void> = [];

  async command(): Promise<void> {}
  async insertRows(): Promise<void> {}
  async close(): Promise<void> {}

  async select<T>(sql: string): Promise<T[]> {
    if (sql.startsWith("SELECT 'run'")) {
      const runId = this.runId;
      this.sent.push('runs');
      await new Promise<void>((resolve) => this.release.push(resolve));
      return [{ kind: 'run', d: '2026-12-01', v: runId, h: 24, m: 1440 }] as T[];
    }
    const run = /run_id IN \((\d+)\)/.exec(sql)?.[1] ?? 'none';
    this.sent.push(`query ${run}`);
    if (this.failNextQuery) {
      this.failNextQuery = false;
      throw new Error(`query over ${run} failed`);
    }
    return [{ period_start: '2026-12-01', records_created: run === 'none' ? '0' : run.slice(-1), records_deleted: '0' }] as T[];
  }

  /** Lets the pending runs read answer (after the microtasks already queued have run). */
  async answerRuns(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    for (const resolve of this.release.splice(0)) resolve();
  }
}

describe('ClickHouseAnalytics: a repeated range does not wait for its runs read', () => {
  const q = { from: '2026-12-01', to: '2026-12-01', interval: 'day' as const };
  const created = (answer: { buckets: Array<{ records_created: number }> }) => answer.buckets[0].records_created;

  it('asks a new range after the runs read, and a repeated one at once with the runs read before', async () => {
    const gateway = new ScriptedGateway();
    const analytics = new ClickHouseAnalytics(gateway, 'db');
    const first = analytics.growth(q);
    await gateway.answerRuns();
    expect(created(await first)).toBe(7);
    expect(gateway.sent).toEqual(['runs', 'query 7715100421829483167']);

    const again = analytics.growth(q);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gateway.sent.slice(2)).toEqual(['runs', 'query 7715100421829483167']); // sent before the runs answered
    await gateway.answerRuns();
    expect(created(await again)).toBe(7);
    expect(gateway.sent).toHaveLength(4);
  });

  it('asks again with the runs read now when they changed (a run voided or replaced), dropping the early answer', async () => {
    const gateway = new ScriptedGateway();
    const analytics = new ClickHouseAnalytics(gateway, 'db');
    const first = analytics.growth(q);
    await gateway.answerRuns();
    await first;
    gateway.runId = '7715100421829483168';
    const again = analytics.growth(q);
    await gateway.answerRuns();
    expect(created(await again)).toBe(8);
    expect(gateway.sent.slice(2)).toEqual(['runs', 'query 7715100421829483167', 'query 7715100421829483168']);
  });

  it("throws an early answer's failure only when its runs were the current ones", async () => {
    const gateway = new ScriptedGateway();
    const analytics = new ClickHouseAnalytics(gateway, 'db');
    const first = analytics.growth(q);
    await gateway.answerRuns();
    await first;
    gateway.failNextQuery = true;
    const failing = analytics.growth(q);
    await gateway.answerRuns();
    await expect(failing).rejects.toThrow('query over 7715100421829483167 failed');

    gateway.failNextQuery = true;
    gateway.runId = '7715100421829483169';
    const recovered = analytics.growth(q);
    await gateway.answerRuns();
    expect(created(await recovered)).toBe(9);
  });
});
