import { Registry } from 'prom-client';
import { InMemorySagaStore } from '../in-memory/in-memory-saga.store';
import type { SagaState, SagaStatus } from '../state/saga.state';
import { registerSagaStateMetrics } from './saga-state.metrics';

function saga(id: string, type: string, status: SagaStatus, updatedAt: string): SagaState {
  return {
    id, type, status, input: null, cursor: 0, version: 1, attempts: 0, pivotPassed: false, results: {}, deadline: '2030-01-01T00:00:00.000Z',
    parkedFrom: status === 'parked' ? 'running' : null, reason: null, steps: [], failures: [], createdAt: updatedAt, updatedAt, finishedAt: null,
  };
}

describe('saga state gauges', () => {
  it('count unfinished sagas by type and status and age the oldest; finished ones are not counted', async () => {
    const store = new InMemorySagaStore();
    await store.create(saga('a', 'move-records', 'parked', '2026-01-01T00:00:00.000Z'));
    await store.create(saga('b', 'move-records', 'parked', '2026-01-01T00:01:00.000Z'));
    await store.create(saga('c', 'atomic-batch', 'running', '2026-01-01T00:09:00.000Z'));
    await store.create(saga('d', 'atomic-batch', 'completed', '2026-01-01T00:00:00.000Z'));
    await store.create(saga('e', 'slot-move', 'paused', '2026-01-01T00:04:00.000Z'));
    const registry = new Registry();
    registerSagaStateMetrics(registry, store, () => new Date('2026-01-01T00:10:00.000Z'));
    const text = await registry.metrics();
    expect(text).toContain('shardline_sagas_open{type="move-records",status="parked"} 2');
    expect(text).toContain('shardline_sagas_open{type="atomic-batch",status="running"} 1');
    expect(text).toContain('shardline_sagas_open{type="slot-move",status="paused"} 1');
    expect(text).not.toContain('status="completed"');
    expect(text).toContain('shardline_sagas_oldest_unchanged_seconds{type="move-records",status="parked"} 600');
    expect(text).toContain('shardline_sagas_oldest_unchanged_seconds{type="atomic-batch",status="running"} 60');
  });

  it('drop a series once its sagas finished, and count the store once per scrape', async () => {
    const store = new InMemorySagaStore();
    await store.create(saga('a', 'move-records', 'parked', '2026-01-01T00:00:00.000Z'));
    const countOpen = jest.spyOn(store, 'countOpen');
    const registry = new Registry();
    registerSagaStateMetrics(registry, store);
    expect(await registry.metrics()).toContain('shardline_sagas_open{type="move-records",status="parked"} 1');
    expect(countOpen).toHaveBeenCalledTimes(1);
    await store.save({ ...saga('a', 'move-records', 'aborted', '2026-01-01T00:05:00.000Z'), version: 2 }, 1);
    expect(await registry.metrics()).not.toContain('shardline_sagas_open{');
  });
});
