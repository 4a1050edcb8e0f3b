import { Gauge, type Registry } from 'prom-client';
import type { SagaStore } from '../ports/saga-store.port';

/**
 * Gauges of the unfinished sagas in the store, read at each scrape (one grouped query on the
 * status index): how many are running, compensating or parked per type, and how long the oldest of
 * each has not moved. Register them in ONE process kind (the saga worker), not in every process
 * that starts sagas: they describe the shared store, not the process.
 */
export function registerSagaStateMetrics(registry: Registry, store: Pick<SagaStore, 'countOpen'>, clock: () => Date = () => new Date()): void {
  const registers = [registry];
  // Both gauges come from one query per scrape: the first collect() runs it, the second reuses it.
  let counted: ReturnType<SagaStore['countOpen']> | null = null;
  const countOnce = () => {
    counted ??= store.countOpen().finally(() => setImmediate(() => (counted = null)));
    return counted;
  };
  new Gauge({
    name: 'shardline_sagas_open',
    help: 'Unfinished sagas in the store by type and status (running | compensating | parked)',
    labelNames: ['type', 'status'],
    registers,
    async collect() {
      const counts = await countOnce();
      this.reset();
      for (const c of counts) this.set({ type: c.type, status: c.status }, c.count);
    },
  });
  new Gauge({
    name: 'shardline_sagas_oldest_unchanged_seconds',
    help: 'Seconds since the longest-waiting unfinished saga of this type and status last changed',
    labelNames: ['type', 'status'],
    registers,
    async collect() {
      const counts = await countOnce();
      this.reset();
      const now = clock().getTime();
      for (const c of counts) this.set({ type: c.type, status: c.status }, Math.max(0, (now - c.oldestUpdatedAt.getTime()) / 1000));
    },
  });
}
