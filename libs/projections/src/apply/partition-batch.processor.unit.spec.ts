import { Registry } from 'prom-client';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import { InMemoryBatchControl, InMemoryDeadLetters, InMemorySink, InMemoryTopicOffsets, partitionBatch, type Journal } from '../in-memory/in-memory-projection.ports';
import { ProjectionLagMonitor } from '../lag/projection-lag.monitor';
import { ProjectionMetrics } from '../projection.metrics';
import { ApplyCoalescer } from './apply-coalescer';
import { PartitionBatchProcessor } from './partition-batch.processor';

function envelope(n: number, change: Partial<RecordEventEnvelope> = {}): RecordEventEnvelope {
  return {
    envelope_version: 1,
    event_id: `e${n}`,
    event_type: 'RecordCreated',
    schema_version: 1,
    stream_id: `rec-${n}`,
    stream_version: 1,
    shard: 0,
    position: String(n),
    business_id: 'acme',
    user_id: '7',
    record_id: String(1000 + n),
    occurred_at: '2026-01-02T03:04:05.678Z',
    command_id: `c${n}`,
    correlation_id: 'corr',
    causation_id: null,
    actor: null,
    data: { id: String(1000 + n), data_content: { n } },
    ...change,
  };
}

const poison = Buffer.from('{"envelope_version": 1, oops');

function setup(batchSize = 2) {
  const journal: Journal = [];
  const sink = new InMemorySink(journal);
  const deadLetters = new InMemoryDeadLetters(journal);
  const control = new InMemoryBatchControl(journal);
  const registry = new Registry();
  const metrics = new ProjectionMetrics(registry);
  const lag = new ProjectionLagMonitor({ projection: 'memory', groupId: 'g', topic: 'events' }, new InMemoryTopicOffsets(), metrics);
  const processor = new PartitionBatchProcessor({
    projection: 'memory',
    coalescer: new ApplyCoalescer(sink, { maxEvents: 100, lingerMs: 0 }),
    deadLetters,
    lag,
    batchSize,
    retry: { initialMs: 100, maxMs: 400 },
    metrics,
    log: () => {},
  });
  return { journal, sink, deadLetters, control, processor, registry };
}

async function counter(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name) as { values: Array<{ value: number }> } | undefined;
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe('PartitionBatchProcessor (in-memory ports)', () => {
  it('applies chunks in offset order and commits each one only after its apply', async () => {
    const { journal, sink, control, processor, registry } = setup(2);
    await expect(processor.process(partitionBatch([envelope(1), envelope(2), envelope(3)]), control)).resolves.toBe(true);
    expect(journal).toEqual(['apply e1,e2', 'commit 2', 'apply e3', 'commit 3']);
    expect(sink.applied.map((e) => e.event_id)).toEqual(['e1', 'e2', 'e3']);
    expect(await counter(registry, 'shardline_projection_events_applied_total')).toBe(3);
  });

  it('dead-letters an undecodable message with its original bytes and position, applies the rest, then commits', async () => {
    const { journal, deadLetters, control, processor, registry } = setup(10);
    await processor.process(partitionBatch([envelope(1), poison, envelope(3)], 'events', 5), control);
    expect(journal).toEqual(['apply e1,e3', 'dead-letters 1', 'commit 3']);
    expect(deadLetters.letters).toEqual([
      { projection: 'memory', kind: 'decode', reason: expect.stringMatching(/not JSON/), message: { key: null, value: poison, headers: {}, position: { topic: 'events', partition: 5, offset: '1' } } },
    ]);
    expect(await counter(registry, 'shardline_projection_dead_letters_total')).toBe(1);
  });

  it('dead-letters the events the sink rejects, as the messages they came in', async () => {
    const { journal, sink, deadLetters, control, processor, registry } = setup(10);
    sink.rejects = (event) => (event.event_id === 'e2' ? 'data_content conflicts with the mapping' : null);
    await processor.process(partitionBatch([envelope(1), envelope(2), envelope(3)]), control);
    expect(journal).toEqual(['apply e1,e2,e3', 'dead-letters 1', 'commit 3']);
    expect(deadLetters.letters).toHaveLength(1);
    expect(deadLetters.letters[0]).toMatchObject({ kind: 'rejected', reason: 'data_content conflicts with the mapping', message: { key: 'acme', position: { offset: '1' } } });
    expect(JSON.parse(deadLetters.letters[0].message.value!.toString()).event_id).toBe('e2');
    expect(await counter(registry, 'shardline_projection_events_applied_total')).toBe(2);
  });

  it('retries a failing apply with backoff, committing nothing until it succeeds', async () => {
    const { journal, sink, control, processor, registry } = setup(10);
    sink.failures = 3;
    await expect(processor.process(partitionBatch([envelope(1), envelope(2)]), control)).resolves.toBe(true);
    expect(journal).toEqual(['apply e1,e2', 'apply e1,e2', 'apply e1,e2', 'apply e1,e2', 'commit 2']);
    expect(control.waits.length).toBe(3);
    expect(control.waits.every((ms, i) => ms >= 50 * 2 ** i && ms <= 100 * 2 ** i)).toBe(true); // 100, 200, 400 with equal jitter
    expect(await counter(registry, 'shardline_projection_apply_retries_total')).toBe(3);
  });

  it('commits only after the dead letters were acknowledged, retrying their publish', async () => {
    const { journal, deadLetters, control, processor } = setup(10);
    deadLetters.failures = 2;
    await processor.process(partitionBatch([poison, envelope(2)]), control);
    expect(journal).toEqual(['apply e2', 'dead-letters 1', 'dead-letters 1', 'dead-letters 1', 'commit 2']);
    expect(deadLetters.letters).toHaveLength(1);
  });

  it('abandons the chunk uncommitted when stopped (or the partition is lost) while waiting out a failure', async () => {
    const { journal, sink, control, processor } = setup(1);
    sink.failures = 1_000;
    const originalWait = control.wait.bind(control);
    control.wait = async (ms) => {
      if (control.waits.length === 2) control.active = false; // the stop arrives during the third wait
      return originalWait(ms);
    };
    await expect(processor.process(partitionBatch([envelope(1), envelope(2)]), control)).resolves.toBe(false);
    expect(control.commits).toEqual([]);
    expect(journal.filter((j) => j.startsWith('apply'))).toEqual(['apply e1', 'apply e1', 'apply e1']);
  });

  it('does not start a chunk once the batch is no longer active, keeping what was committed', async () => {
    const { journal, control, processor } = setup(1);
    const originalCommit = control.commit.bind(control);
    control.commit = async (next) => {
      await originalCommit(next);
      control.active = false; // the partition is revoked after the first chunk
    };
    await expect(processor.process(partitionBatch([envelope(1), envelope(2)]), control)).resolves.toBe(false);
    expect(journal).toEqual(['apply e1', 'commit 1']);
  });
});
