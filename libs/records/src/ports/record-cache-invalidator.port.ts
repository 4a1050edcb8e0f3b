import { RecordStateReader } from './record-state.port';

export const RECORD_CACHE_INVALIDATOR = Symbol('RecordCacheInvalidator');

/**
 * Told about every record a command may have changed, AFTER the append and BEFORE the command
 * answers, so that read caches never serve the old state once the write is acknowledged.
 * An implementation that cannot invalidate must throw: the command then fails (503) instead of
 * being acknowledged, and a retry with the same command id replays the stored result and
 * invalidates again. Creates are not reported: caches hold only states read from the shard and
 * never "not found", so a new record has nothing to invalidate.
 */
export interface RecordCacheInvalidator {
  invalidate(businessId: string, recordId: string): Promise<void>;
}

/** For deployments without a read cache (and unit tests): nothing to invalidate. */
export const noRecordCache: RecordCacheInvalidator = { invalidate: async () => undefined };

export const RECORD_STATE_READER_DECORATOR = Symbol('RecordStateReaderDecorator');

/** Wraps the shard reader of a read-side app (e.g. with a cache); see RecordsMysqlModule.forQueries. */
export type RecordStateReaderDecorator = (inner: RecordStateReader) => RecordStateReader;
