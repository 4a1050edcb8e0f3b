import { Counter, type Registry } from 'prom-client';
import { RecordCacheStore } from '../record-cache-store.port';
import { PendingInvalidationStore, WriterRegistry } from './cache-fence.ports';
import { replayPendingInvalidations } from './replay-pending-invalidations';

export interface StaleWriterSweeperOptions {
  keyPrefix: string;
  /** A member is removed once its lease ended at least this long ago (by Redis's clock). */
  sweepAfterMs: number;
  intervalMs: number;
  /** Ids of this process (never swept by itself). */
  ownIds: () => string[];
  registry?: Registry;
  log?: (level: 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;
}

/**
 * Removes writers that stopped renewing their lease (died, or cut off from Redis for longer than
 * sweepAfterMs) from the cache fence, so readers use the cache again. Before it removes any, it
 * marks them swept on every shard (from then on their recordings are refused and their writes
 * answer 503, see PendingInvalidationStore.record) and then replays EVERY pending invalidation on
 * every shard: a write one of them acknowledged was recorded before the mark, so its invalidation
 * is delivered before the fence lifts. Any writer runs it; concurrent sweeps are harmless.
 */
export class StaleWriterSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly swept: Counter;

  constructor(
    private readonly writers: WriterRegistry,
    private readonly pending: PendingInvalidationStore,
    private readonly cache: RecordCacheStore,
    private readonly options: StaleWriterSweeperOptions,
  ) {
    const registers = options.registry ? [options.registry] : [];
    this.swept = new Counter({ name: 'shardline_cache_fence_swept_writers_total', help: 'Stale writers removed from the cache fence after their pending invalidations were replayed', registers });
  }

  start(): void {
    // Jittered, so that writers started together do not sweep in lockstep.
    this.timer = setInterval(() => void this.sweepQuietly(), this.options.intervalMs * (0.75 + Math.random() / 2));
    this.timer.unref();
    void this.sweepQuietly();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: answers the removed writers and how many invalidations were replayed. */
  async sweep(): Promise<{ removed: string[]; replayed: number }> {
    const own = new Set(this.options.ownIds());
    const stale = (await this.writers.staleMembers(this.options.sweepAfterMs)).filter((id) => !own.has(id));
    if (stale.length === 0) return { removed: [], replayed: 0 };
    await this.pending.markSwept(stale);
    let replayed = 0;
    for (let shard = 0; shard < this.pending.shardCount; shard++) {
      replayed += await replayPendingInvalidations(this.pending, this.cache, this.options.keyPrefix, shard, null);
    }
    const removed = await this.writers.remove(stale, this.options.sweepAfterMs);
    this.swept.inc(removed.length);
    if (removed.length > 0) this.options.log?.('info', 'cache fence: removed stale writers', { removed, replayed });
    return { removed, replayed };
  }

  private sweepQuietly(): Promise<unknown> {
    this.running ??= this.sweep()
      .catch((error) => this.options.log?.('debug', 'cache fence: sweep failed (Redis or a shard unreachable); next pass retries', { error: String(error) }))
      .finally(() => (this.running = null));
    return this.running;
  }
}
