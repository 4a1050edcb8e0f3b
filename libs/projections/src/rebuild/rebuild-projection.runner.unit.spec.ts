import { hasErrorCode } from '@shardline/errors';
import type { EventLogReader, StoredEvent } from '@shardline/event-store';
import { InMemoryDeadLetters, InMemorySink, InMemoryTopicOffsets, type Journal } from '../in-memory/in-memory-projection.ports';
import type { ProjectionSink, RebuildableProjectionSink } from '../projection-sink.port';
import type { CatchUpConsumer } from './rebuild.port';
import { runRebuild, type RebuildOptions } from './rebuild-projection.runner';

function stored(shard: number, position: number): StoredEvent {
  return {
    shard,
    position: String(position),
    streamId: `rec-${shard}-${position}`,
    streamVersion: 1,
    type: 'RecordCreated',
    schemaVersion: 1,
    data: { id: String(1000 + position), business_id: 'acme', user_id: '7', data_content: { position } },
    metadata: { eventId: `e${shard}.${position}`, commandId: `c${position}`, correlationId: 'corr', causationId: null, actor: null },
    createdTime: new Date('2026-01-02T03:04:05.678Z'),
  };
}

/** Event tables in memory: position order per shard, keyset pages. */
class InMemoryEventLog implements EventLogReader {
  readonly tables = new Map<number, StoredEvent[]>();
  async readEventsAfter(shard: number, after: string, limit: number): Promise<StoredEvent[]> {
    return (this.tables.get(shard) ?? []).filter((e) => BigInt(e.position) > BigInt(after)).slice(0, limit);
  }
}

/** The live sink: records each protocol step; its rebuild target is another in-memory sink. */
class RebuildableSink extends InMemorySink implements RebuildableProjectionSink {
  target!: InMemorySink;
  promoteFails = false;
  constructor(private readonly steps: Journal) {
    super(steps);
  }
  async createRebuildTarget(id: string): Promise<ProjectionSink> {
    this.steps.push(`create ${id}`);
    return (this.target = new InMemorySink(this.steps, 'memory'));
  }
  async beginHandover(id: string): Promise<void> {
    this.steps.push(`handover ${id}`);
  }
  async promote(id: string): Promise<void> {
    this.steps.push(`promote ${id}`);
    if (this.promoteFails) throw new Error('alias swap refused');
  }
  async abandonRebuild(id: string): Promise<void> {
    this.steps.push(`abandon ${id}`);
  }
}

/** Consumes everything on the topic whenever the rebuild looks at it (commits the high watermarks). */
function catchUpConsumer(steps: Journal, offsets: InMemoryTopicOffsets, failed = false) {
  return (groupId: string): CatchUpConsumer => ({
    start: async () => void steps.push(`consume ${groupId}`),
    isFailed: () => {
      offsets.groups.set(groupId, new Map([...offsets.watermarks].map(([p, w]) => [p, w.high])));
      return failed;
    },
    stop: async () => void steps.push('stop consumer'),
  });
}

function setup() {
  const steps: Journal = [];
  const offsets = new InMemoryTopicOffsets(steps);
  offsets.watermarks.set(0, { low: 0n, high: 5n });
  const log = new InMemoryEventLog();
  log.tables.set(0, [stored(0, 1), stored(0, 2), stored(0, 3)]);
  log.tables.set(1, [stored(1, 1)]);
  const live = new RebuildableSink(steps);
  const deadLetters = new InMemoryDeadLetters(steps);
  const options: RebuildOptions = { liveSink: live, reader: log, shards: [0, 1], rebuildId: 'r1', liveGroupId: 'live', replayBatchSize: 2, replayConcurrency: 1, retry: { initialMs: 1, maxMs: 1 } };
  return { steps, offsets, log, live, deadLetters, options };
}

describe('runRebuild (in-memory ports)', () => {
  it('runs steps 1-6 in order: capture, replay, catch up from the captured offsets, handover, catch up again, promote', async () => {
    const { steps, offsets, live, deadLetters, options } = setup();
    const report = await runRebuild(
      { ...options, hooks: { afterHandover: async () => void offsets.watermarks.set(0, { low: 0n, high: 9n }) } },
      { offsets, deadLetters, catchUpConsumer: catchUpConsumer(steps, offsets) },
    );
    expect(steps).toEqual([
      'end offsets', // 1. E0, before any table is read
      'create r1',
      'apply e0.1,e0.2',
      'apply e0.3',
      'apply e1.1',
      'seek live-rebuild-r1 5', // 3. the rebuild group starts at E0
      'consume live-rebuild-r1',
      'end offsets',
      'handover r1', // 4.
      'end offsets', // 5. E1, read after the handover began
      'promote r1', // 6.
      'stop consumer',
      'delete live-rebuild-r1',
    ]);
    expect(live.target.applied.map((e) => [e.event_id, e.shard, e.position])).toEqual([['e0.1', 0, '1'], ['e0.2', 0, '2'], ['e0.3', 0, '3'], ['e1.1', 1, '1']]);
    expect(report).toMatchObject({ rebuildId: 'r1', capturedOffsets: { 0: '5' }, replayedEvents: 4, replayRejections: 0, handoverOffsets: { 0: '9' } });
  });

  it('replays through the same core as the live runner: transient failures retried, rejections dead-lettered from their table position', async () => {
    const { steps, offsets, live, deadLetters, options } = setup();
    const createTarget = live.createRebuildTarget.bind(live);
    live.createRebuildTarget = async (id) => {
      const target = (await createTarget(id)) as InMemorySink;
      target.failures = 2;
      target.rejects = (event) => (event.event_id === 'e1.1' ? 'unknown event type' : null);
      return target;
    };
    const report = await runRebuild(options, { offsets, deadLetters, catchUpConsumer: catchUpConsumer(steps, offsets) });
    expect(steps.filter((s) => s === 'apply e0.1,e0.2')).toHaveLength(3);
    expect(report).toMatchObject({ replayedEvents: 4, replayRejections: 1 });
    expect(deadLetters.letters).toEqual([
      expect.objectContaining({ projection: 'memory', kind: 'rejected', reason: 'unknown event type', message: expect.objectContaining({ key: null, position: { topic: 'event-store/shard-1', partition: 1, offset: '1' } }) }),
    ]);
  });

  it('undoes the handover when a step after it fails, and still stops its consumer and deletes its group', async () => {
    const { steps, offsets, live, deadLetters, options } = setup();
    live.promoteFails = true;
    await expect(runRebuild(options, { offsets, deadLetters, catchUpConsumer: catchUpConsumer(steps, offsets) })).rejects.toThrow('alias swap refused');
    expect(steps.slice(-6)).toEqual(['handover r1', 'end offsets', 'promote r1', 'abandon r1', 'stop consumer', 'delete live-rebuild-r1']);
  });

  it('fails with a stable code when its consumer crashed, before any handover', async () => {
    const { steps, offsets, deadLetters, options } = setup();
    const failure = await runRebuild(options, { offsets, deadLetters, catchUpConsumer: catchUpConsumer(steps, offsets, true) }).catch((error: unknown) => error);
    expect(hasErrorCode(failure, 'PROJECTION.REBUILD_CONSUMER_FAILED')).toBe(true);
    expect(steps).not.toContain('handover r1');
    expect(steps.slice(-2)).toEqual(['stop consumer', 'delete live-rebuild-r1']);
  });
});
