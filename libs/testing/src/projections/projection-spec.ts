import { expect } from 'expect';
import type { z } from 'zod';
import { validate } from '@shardline/errors';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { ProjectionSink, SinkRejection } from '@shardline/projections';
import {
  activeUsersQuerySchema,
  growthQuerySchema,
  hotBusinessesQuerySchema,
  recordSearchQuerySchema,
  recordsPerDayQuerySchema,
  type ActiveUsersResult,
  type BusinessDayStats,
  type GrowthBucket,
  type HotBusiness,
  type RecordAnalytics,
  type RecordSearch,
  type RecordSearchItem,
} from '@shardline/read-models';
import { shuffledWith } from './record-history';

/**
 * A read model under test: the sink that builds it and the query ports that read it. The
 * in-memory read model offers both ports; Elasticsearch offers search, ClickHouse analytics.
 */
export interface ReadModelTarget {
  readonly sink: ProjectionSink;
  readonly search?: RecordSearch;
  readonly analytics?: RecordAnalytics;
  /** Makes what was applied visible to the query ports (an Elasticsearch refresh). */
  settle?(): Promise<void>;
}

export interface Delivery {
  /** Each event delivered this many times (redeliveries, as Kafka's at-least-once gives them). */
  times?: number;
  /** Delivered in a shuffled order (this seed): sinks must not depend on the order. */
  shuffle?: number;
  /** Events per apply() call (default: all in one). */
  batchSize?: number;
}

/**
 * given(envelopes).whenApplied(delivery) → then(read-model assertions): one spec, any sink.
 * Queries are given as a client would (the port's schemas fill the defaults), answers compared
 * as jest's toEqual would. Jest-free: asserts with the `expect` library.
 *
 *   const then = await projectionSpec(target).given(...lamp.events).whenApplied({ times: 2, shuffle: 7 });
 *   await then.thenSearchFinds({ keyword: 'wombat', business_id: 'acme' }, [lamp.id]);
 */
export function projectionSpec(target: ReadModelTarget) {
  return {
    given(...envelopes: RecordEventEnvelope[]) {
      return {
        async whenApplied(delivery: Delivery = {}): Promise<ProjectionThen> {
          const copies = envelopes.flatMap((e) => Array.from({ length: delivery.times ?? 1 }, () => e));
          const ordered = delivery.shuffle === undefined ? copies : shuffledWith(copies, delivery.shuffle);
          const size = delivery.batchSize ?? Math.max(1, ordered.length);
          const rejections: SinkRejection[] = [];
          for (let i = 0; i < ordered.length; i += size) rejections.push(...(await target.sink.apply(ordered.slice(i, i + size))));
          await target.settle?.();
          return projectionThen(target, rejections);
        },
      };
    },
  };
}

export interface ProjectionThen {
  readonly rejections: readonly SinkRejection[];
  /** Exactly these events (by event_id, each once however often delivered) were rejected; none when empty. */
  thenRejects(eventIds: string[]): void;
  /** The search answers exactly these record ids, in this order (one page); returns the items for more checks. */
  thenSearchFinds(query: z.input<typeof recordSearchQuerySchema>, recordIds: string[]): Promise<RecordSearchItem[]>;
  /** Every page of the search, cursor after cursor: the ids in order, each exactly once. */
  thenSearchPagesThrough(query: z.input<typeof recordSearchQuerySchema>, recordIds: string[]): Promise<void>;
  thenRecordsPerDay(query: z.input<typeof recordsPerDayQuerySchema>, rows: BusinessDayStats[], truncated?: boolean): Promise<void>;
  thenHotBusinesses(query: z.input<typeof hotBusinessesQuerySchema>, businesses: HotBusiness[]): Promise<void>;
  thenGrowth(query: z.input<typeof growthQuerySchema>, buckets: GrowthBucket[]): Promise<void>;
  thenActiveUsers(query: z.input<typeof activeUsersQuerySchema>, expected: Pick<ActiveUsersResult, 'days' | 'total_active_users'>): Promise<void>;
}

function projectionThen(target: ReadModelTarget, rejections: SinkRejection[]): ProjectionThen {
  const search = () => target.search ?? fail('this read model has no search port');
  const analytics = () => target.analytics ?? fail('this read model has no analytics port');
  return {
    rejections,
    thenRejects(eventIds) {
      expect([...new Set(rejections.map((r) => r.event.event_id))].sort()).toEqual([...eventIds].sort());
    },
    async thenSearchFinds(query, recordIds) {
      const page = await search().searchRecords(validate(recordSearchQuerySchema, query));
      expect(page.items.map((i) => i.id)).toEqual(recordIds);
      return page.items;
    },
    async thenSearchPagesThrough(query, recordIds) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages <= recordIds.length + 1; pages++) {
        const page = await search().searchRecords(validate(recordSearchQuerySchema, { ...query, search_after: cursor }));
        seen.push(...page.items.map((i) => i.id));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      expect(seen).toEqual(recordIds);
    },
    async thenRecordsPerDay(query, rows, truncated = false) {
      const q = validate(recordsPerDayQuerySchema, query);
      expect(await analytics().recordsPerBusinessPerDay(q)).toEqual({ from: q.from, to: q.to, rows, truncated });
    },
    async thenHotBusinesses(query, businesses) {
      const q = validate(hotBusinessesQuerySchema, query);
      expect(await analytics().hotBusinesses(q)).toEqual({ from: q.from, to: q.to, by: q.by, businesses });
    },
    async thenGrowth(query, buckets) {
      const q = validate(growthQuerySchema, query);
      expect(await analytics().growth(q)).toEqual({ from: q.from, to: q.to, interval: q.interval, buckets });
    },
    async thenActiveUsers(query, expected) {
      const q = validate(activeUsersQuerySchema, query);
      expect(await analytics().activeUsers(q)).toEqual({ from: q.from, to: q.to, total_method: q.total, ...expected });
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}
