import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, SinkRejection } from '../projection-sink.port';

export interface ApplyCoalescerOptions {
  /** A flush takes waiting chunks until it holds at least this many events (a chunk is never split). */
  maxEvents: number;
  /**
   * Longest a chunk waits for the chunks of other partitions still being decoded to join it (ms).
   * A flush starts earlier as soon as every partition in progress (see enter/leave) has its chunk waiting.
   */
  lingerMs: number;
}

interface Waiting {
  events: readonly RecordEventEnvelope[];
  resolve: (rejections: SinkRejection[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Turns the concurrent apply() calls of one runner's partitions into fewer, larger sink.apply()
 * calls, one at a time (group commit): while a flush is in flight, arriving chunks wait and all go
 * into the next one. A flush starts when every partition batch in progress has its chunk waiting
 * (kafkajs hands over one fetch's partition batches together and fetches again only once all were
 * processed, so flushing the first chunks alone would split every fetch into sequential flushes),
 * or after lingerMs, or once maxEvents are waiting. Every read model is cheaper per event in large batches: ClickHouse makes one
 * part per INSERT (many small inserts cost merge CPU), an Elasticsearch bulk has a fixed cost, and
 * each sink.apply() reads its handover/generation state once.
 *
 * Each caller's promise settles with the flush that carried its chunk: it resolves (with the
 * rejections of ITS events only) once the sink accepted the whole flush, or rejects with the
 * sink's error, so the runner still commits a partition's offset only after its events were
 * accepted, and retries only its own chunk otherwise. Safe for the handover contract: the sink reads
 * its state when the flush starts, i.e. after every apply() it carries was called.
 */
export class ApplyCoalescer {
  private waiting: Waiting[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | null = null;
  /** Partition batches in progress: each will call apply() (again) or leave soon. */
  private participants = 0;

  constructor(
    private readonly sink: ProjectionSink,
    private readonly options: ApplyCoalescerOptions,
    /** Told the size of every sink.apply() it makes (a metric). */
    private readonly onApply?: (events: number) => void,
  ) {}

  /** A partition batch starts being processed: its chunks are worth waiting for. */
  enter(): void {
    this.participants += 1;
  }

  /** That batch is done (or abandoned): nobody waits for it any more. */
  leave(): void {
    this.participants = Math.max(0, this.participants - 1);
    this.schedule();
  }

  apply(events: readonly RecordEventEnvelope[]): Promise<SinkRejection[]> {
    return new Promise<SinkRejection[]>((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.waiting.length === 0) return;
    const waitingEvents = this.waiting.reduce((n, w) => n + w.events.length, 0);
    const everyoneIn = this.waiting.length >= this.participants;
    if (everyoneIn || waitingEvents >= this.options.maxEvents || this.options.lingerMs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.options.lingerMs);
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.waiting.length === 0) return;
    this.flushing = true;
    const taken: Waiting[] = [];
    let count = 0;
    while (this.waiting.length > 0 && (taken.length === 0 || count + this.waiting[0].events.length <= this.options.maxEvents)) {
      const next = this.waiting.shift()!;
      taken.push(next);
      count += next.events.length;
    }
    try {
      const events = taken.length === 1 ? taken[0].events : taken.flatMap((w) => w.events);
      this.onApply?.(events.length);
      const rejections = await this.sink.apply(events);
      if (taken.length === 1) taken[0].resolve(rejections);
      else {
        const owner = new Map<RecordEventEnvelope, Waiting>();
        for (const w of taken) for (const event of w.events) owner.set(event, w);
        const byCaller = new Map<Waiting, SinkRejection[]>(taken.map((w) => [w, []]));
        for (const rejection of rejections) {
          // A rejection of an event no caller gave is a sink bug: the first caller's runner reports it.
          byCaller.get(owner.get(rejection.event) ?? taken[0])!.push(rejection);
        }
        for (const w of taken) w.resolve(byCaller.get(w)!);
      }
    } catch (error) {
      for (const w of taken) w.reject(error);
    } finally {
      this.flushing = false;
      // Whatever arrived meanwhile goes next, once the partitions just released had a chance to join.
      this.schedule();
    }
  }
}
