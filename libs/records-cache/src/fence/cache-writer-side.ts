import type { Registry } from 'prom-client';
import { RecordCacheStore } from '../record-cache-store.port';
import { StoreRecordCacheInvalidator } from '../store-record-cache-invalidator';
import { PendingInvalidationStore, WriterRegistry } from './cache-fence.ports';
import { CacheWriterFence } from './cache-writer-fence';
import { StaleWriterSweeper } from './stale-writer-sweeper';

export interface CacheFenceSettings {
  heartbeatMs: number;
  leaseMs: number;
  clockAllowanceMs: number;
  sweepAfterMs: number;
  sweepIntervalMs: number;
}

export type FenceLog = (level: 'warn' | 'info' | 'debug', message: string, extra?: Record<string, unknown>) => void;

/** What a writing process runs for the read cache: the invalidator, its fence and the sweeper. */
export class CacheWriterSide {
  readonly fence: CacheWriterFence;
  readonly sweeper: StaleWriterSweeper;
  readonly invalidator: StoreRecordCacheInvalidator;

  constructor(deps: {
    store: RecordCacheStore;
    writers: WriterRegistry;
    pending: PendingInvalidationStore;
    keyPrefix: string;
    fence: CacheFenceSettings;
    shardFor: (businessId: string) => number;
    registry?: Registry;
    log?: FenceLog;
  }) {
    const { store, writers, pending, keyPrefix, fence, registry, log } = deps;
    this.fence = new CacheWriterFence(writers, pending, store, { ...fence, keyPrefix, shardFor: deps.shardFor, registry, log });
    this.sweeper = new StaleWriterSweeper(writers, pending, store, { keyPrefix, sweepAfterMs: fence.sweepAfterMs, intervalMs: fence.sweepIntervalMs, ownIds: () => this.fence.ownIds(), registry, log });
    this.invalidator = new StoreRecordCacheInvalidator(store, keyPrefix, this.fence);
  }

  /** Joins the fence (one attempt; a Redis outage does not stop the process) and starts sweeping. */
  async start(): Promise<void> {
    await this.fence.start();
    this.sweeper.start();
  }

  /** Before Redis and the shard pools close. */
  async stop(): Promise<void> {
    await this.sweeper.stop();
    await this.fence.stop();
  }
}
