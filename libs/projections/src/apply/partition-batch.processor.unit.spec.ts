import { Registry } from 'prom-client';
import { encodeEnvelope, sealEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { InMemoryUserKeys } from '@shardline/user-keys';
import type { EnvelopeKeys } from './envelope-keys.port';
import { InMemoryBatchControl, InMemoryDeadLetters, InMemorySink, InMemoryTopicOffsets, partitionBatch, testEnvelope, type Journal } from '../in-memory/in-memory-projection.ports';
import { ProjectionLagMonitor } from '../lag/projection-lag.monitor';
import { ProjectionMetrics } from '../projection.metrics';
import { ApplyCoalescer } from './apply-coalescer';
import { PartitionBatchProcessor } from './partition-batch.processor';

const envelope = testEnvelope;

const poison = Buffer.from('{"envelope_version": 1, oops');

function setup(batchSize = 2, keys?: EnvelopeKeys) {
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
    keys,
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

describe('PartitionBatchProcessor with sealed envelopes (version 2)', () => {
  const MARKER = 'capybara-note-31';

  async function sealedSetup(batchSize = 10) {
    const keys = new InMemoryUserKeys();
    const lookups = jest.spyOn(keys, 'existingKeys');
    const sealedFor = async (n: number, user: string) => {
      const plain = envelope(n, { user_id: user, data: { id: String(1000 + n), data_content: { note: MARKER } } });
      return { plain, sealed: sealEnvelope(plain, (await keys.keysFor([user])).get(user)!) };
    };
    return { ...setup(batchSize, keys), keys, lookups, sealedFor };
  }

  it('opens them with one key lookup per chunk and hands the sink the plain envelopes; version 1 passes as it is', async () => {
    const { sink, control, processor, lookups, sealedFor } = await sealedSetup(10);
    const a = await sealedFor(1, '7');
    const b = await sealedFor(2, '8');
    const plain = envelope(3);
    await processor.process(partitionBatch([a.sealed, b.sealed, plain]), control);
    expect(sink.applied).toEqual([a.plain, b.plain, plain]);
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(lookups.mock.calls[0][0]).toEqual(['7', '8']);
  });

  it('turns the events of an erased user into RecordErased at their version, with no content', async () => {
    const { keys, sink, control, processor, sealedFor } = await sealedSetup();
    const a = await sealedFor(1, '7');
    await keys.forget('7');
    await processor.process(partitionBatch([a.sealed]), control);
    expect(sink.applied).toEqual([{ ...a.plain, event_type: 'RecordErased', data: { id: a.plain.record_id, business_id: 'acme', user_id: '7', erased: true } }]);
    expect(JSON.stringify(sink.applied)).not.toContain(MARKER);
  });

  it('dead-letters a seal that does not open as poison, with the ORIGINAL sealed bytes, and applies the rest', async () => {
    const { journal, deadLetters, sink, control, processor, sealedFor } = await sealedSetup();
    const a = await sealedFor(1, '7');
    const b = await sealedFor(2, '7');
    const tampered = { ...b.sealed, stream_version: 9 }; // moved onto another version: the AAD no longer matches
    await processor.process(partitionBatch([a.sealed, tampered]), control);
    expect(journal).toEqual(['apply e1', 'dead-letters 1', 'commit 2']);
    expect(sink.applied).toEqual([a.plain]);
    expect(deadLetters.letters[0]).toMatchObject({ kind: 'decode', reason: expect.stringMatching(/does not open/) });
    expect(deadLetters.letters[0].message.value).toEqual(encodeEnvelope(tampered));
    expect(deadLetters.letters[0].message.value!.toString()).not.toContain(MARKER);
  });

  it('dead-letters a sealed event the sink rejects as its original sealed message', async () => {
    const { deadLetters, sink, control, processor, sealedFor } = await sealedSetup();
    const a = await sealedFor(1, '7');
    sink.rejects = () => 'mapping conflict';
    await processor.process(partitionBatch([a.sealed]), control);
    expect(deadLetters.letters[0]).toMatchObject({ kind: 'rejected', message: { value: encodeEnvelope(a.sealed) } });
  });

  it('retries the chunk, uncommitted, while the keys cannot be had, and looks them up again each attempt', async () => {
    const { journal, sink, control, processor, lookups, sealedFor } = await sealedSetup();
    const a = await sealedFor(1, '7');
    lookups.mockRejectedValueOnce(new Error('control database down')).mockRejectedValueOnce(new Error('control database down'));
    await processor.process(partitionBatch([a.sealed]), control);
    expect(lookups).toHaveBeenCalledTimes(3);
    expect(control.waits).toHaveLength(2); // backed off twice, heart-beating
    expect(journal).toEqual(['apply e1', 'commit 1']);
    expect(sink.applied).toEqual([a.plain]);
  });

  it('never drops sealed envelopes when no key lookup is configured: the chunk stalls uncommitted', async () => {
    const { sealedFor } = await sealedSetup();
    const a = await sealedFor(1, '7');
    const { sink, control, processor } = setup(10);
    const wait = control.wait.bind(control);
    control.wait = async (ms) => (control.waits.length >= 2 ? false : wait(ms));
    await expect(processor.process(partitionBatch([a.sealed]), control)).resolves.toBe(false);
    expect(control.commits).toEqual([]);
    expect(sink.applied).toEqual([]);
  });
});
