import { Gauge, type Registry } from 'prom-client';
import type { SagaStore } from '../ports/saga-store.port';

/**
 * Gauges of the unfinished sagas in the store, read at each scrape (one grouped query on the
 * status index): how many are running, compensating, paused or parked per type, and how long the oldest of
 * each has not moved. Register them in ONE process kind (the saga worker), not in every process
 * that starts sagas: they describe the shared store, not the process.
 */
export function registerSagaStateMetrics(registry: Registry, store: Pick<SagaStore, 'countOpen'>, clock: () => Date = () => new Date()): void {
  const registers = [registry];
  // Both gauges come from one query per scrape: whichever collect() runs first starts it, the other
  // takes the same answer. A query older than a second is never reused (one gauge read alone).
  let shared: { counted: ReturnType<SagaStore['countOpen']>; takers: number; at: number } | null = null;
  const countOnce = () => {
    if (!shared || Date.now() - shared.at > 1000) shared = { counted: store.countOpen(), takers: 2, at: Date.now() };
    const { counted } = shared;
    if (--shared.takers === 0) shared = null;
    return counted;
  };
  new Gauge({
    name: 'shardline_sagas_open',
    help: 'Unfinished sagas in the store by type and status (running | compensating | paused | parked)',
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
