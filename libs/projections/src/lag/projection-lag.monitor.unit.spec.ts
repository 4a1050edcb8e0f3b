import { Registry } from 'prom-client';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { InMemoryTopicOffsets } from '../in-memory/in-memory-projection.ports';
import { ProjectionMetrics } from '../projection.metrics';
import { ProjectionLagMonitor } from './projection-lag.monitor';

const at = (iso: string) => ({ occurred_at: iso }) as RecordEventEnvelope;
const NOW = Date.parse('2026-01-02T03:05:05.000Z');

describe('ProjectionLagMonitor (in-memory offsets)', () => {
  function setup() {
    const offsets = new InMemoryTopicOffsets();
    const registry = new Registry();
    const monitor = new ProjectionLagMonitor({ projection: 'memory', groupId: 'g', topic: 'events' }, offsets, new ProjectionMetrics(registry), () => NOW);
    return { offsets, registry, monitor };
  }

  it('counts events behind from the group committed offset (the low watermark where it never committed), seconds behind from what was applied here', async () => {
    const { offsets, registry, monitor } = setup();
    offsets.watermarks.set(1, { low: 0n, high: 10n });
    offsets.watermarks.set(0, { low: 3n, high: 7n });
    offsets.watermarks.set(2, { low: 0n, high: 4n });
    offsets.groups.set('g', new Map([[1, 6n], [2, 4n]]));
    monitor.applied(1, [at('2026-01-02T03:04:05.000Z'), at('2026-01-02T03:03:05.000Z')]);

    const lag = await monitor.lag();
    expect(lag).toMatchObject({ projection: 'memory', group_id: 'g', topic: 'events', events_behind: 8, seconds_behind: 60 });
    expect(lag.partitions).toEqual([
      { partition: 0, high_watermark: '7', committed_offset: '3', events_behind: 4, seconds_behind: null, last_applied_occurred_at: null },
      { partition: 1, high_watermark: '10', committed_offset: '6', events_behind: 4, seconds_behind: 60, last_applied_occurred_at: '2026-01-02T03:04:05.000Z' },
      { partition: 2, high_watermark: '4', committed_offset: '4', events_behind: 0, seconds_behind: 0, last_applied_occurred_at: null },
    ]);
    expect(await registry.metrics()).toContain('shardline_projection_events_behind{projection="memory",partition="1"} 4');
  });

  it('refreshes a partition gauge from a fetched batch without asking the broker', async () => {
    const { registry, monitor } = setup();
    monitor.observe(3, 12n, 12n);
    expect(await registry.metrics()).toContain('shardline_projection_events_behind{projection="memory",partition="3"} 0');
    expect(await registry.metrics()).toContain('shardline_projection_seconds_behind{projection="memory",partition="3"} 0');
  });
});
