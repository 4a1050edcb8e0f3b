import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, SinkRejection } from '../projection-sink.port';
import { ApplyCoalescer } from './apply-coalescer';

const event = (id: string) => ({ event_id: id }) as RecordEventEnvelope;

/** A sink whose apply() calls stay pending until the test settles them. */
class GatedSink implements ProjectionSink {
  readonly name = 'gated';
  readonly calls: Array<{ events: readonly RecordEventEnvelope[]; resolve: (r: SinkRejection[]) => void; reject: (e: unknown) => void }> = [];
  async prepare(): Promise<void> {}
  apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    return new Promise((resolve, reject) => this.calls.push({ events, resolve, reject }));
  }
}

const ids = (events: readonly RecordEventEnvelope[]) => events.map((e) => e.event_id);
const settled = () => new Promise((r) => setImmediate(r));

describe('ApplyCoalescer', () => {
  it('applies the chunks that wait behind a flush in one call, and gives each caller only its own rejections', async () => {
    const sink = new GatedSink();
    const sizes: number[] = [];
    const coalescer = new ApplyCoalescer(sink, { maxEvents: 100, lingerMs: 0 }, (n) => sizes.push(n));
    const first = coalescer.apply([event('a1')]);
    const second = coalescer.apply([event('b1'), event('b2')]);
    const third = coalescer.apply([event('c1')]);
    expect(sink.calls.map((c) => ids(c.events))).toEqual([['a1']]);
    sink.calls[0].resolve([]);
    await expect(first).resolves.toEqual([]);
    await settled();
    expect(sink.calls.map((c) => ids(c.events))).toEqual([['a1'], ['b1', 'b2', 'c1']]);
    expect(sizes).toEqual([1, 3]);
    const [b2, c1] = [sink.calls[1].events[1], sink.calls[1].events[2]];
    sink.calls[1].resolve([
      { event: c1, reason: 'bad c1' },
      { event: b2, reason: 'bad b2' },
    ]);
    await expect(second).resolves.toEqual([{ event: b2, reason: 'bad b2' }]);
    await expect(third).resolves.toEqual([{ event: c1, reason: 'bad c1' }]);
  });

  it('fails every caller of a failed flush (each runner retries its own chunk, nothing is committed)', async () => {
    const sink = new GatedSink();
    const coalescer = new ApplyCoalescer(sink, { maxEvents: 100, lingerMs: 0 });
    const blocker = coalescer.apply([event('x')]);
    const a = coalescer.apply([event('a')]);
    const b = coalescer.apply([event('b')]);
    sink.calls[0].resolve([]);
    await blocker;
    await settled();
    sink.calls[1].reject(new Error('engine down'));
    await expect(a).rejects.toThrow('engine down');
    await expect(b).rejects.toThrow('engine down');
  });

  it('never puts more than maxEvents in a flush unless a single chunk is larger', async () => {
    const sink = new GatedSink();
    const coalescer = new ApplyCoalescer(sink, { maxEvents: 3, lingerMs: 0 });
    const all = [coalescer.apply([event('x')]), coalescer.apply([event('a'), event('b')]), coalescer.apply([event('c'), event('d')]), coalescer.apply([event('e'), event('f'), event('g'), event('h')])];
    for (let i = 0; i < 4; i++) {
      await settled();
      sink.calls[i].resolve([]);
    }
    await Promise.all(all);
    expect(sink.calls.map((c) => ids(c.events))).toEqual([['x'], ['a', 'b'], ['c', 'd'], ['e', 'f', 'g', 'h']]);
  });

  it('waits for every partition in progress to hand in its chunk (or leave) before flushing', async () => {
    const sink = new GatedSink();
    const coalescer = new ApplyCoalescer(sink, { maxEvents: 100, lingerMs: 60_000 });
    coalescer.enter();
    coalescer.enter();
    coalescer.enter();
    const a = coalescer.apply([event('a')]);
    await settled();
    expect(sink.calls).toHaveLength(0); // two partitions are still decoding
    const b = coalescer.apply([event('b')]);
    await settled();
    expect(sink.calls).toHaveLength(0);
    coalescer.leave(); // the third had nothing to apply
    expect(sink.calls.map((c) => ids(c.events))).toEqual([['a', 'b']]);
    sink.calls[0].resolve([]);
    await Promise.all([a, b]);
  });
});
