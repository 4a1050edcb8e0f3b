import { randomUUID } from 'node:crypto';
import type { StreamWrite } from '@shardline/event-store';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { SnowflakeIdGenerator } from '@shardline/ids';
import {
  type CommandContext,
  CreateRecordsBatch,
  decideAndEvolve,
  decideCreateRecordsBatch,
  DeleteRecord,
  planStreamWrite,
  type RecordState,
  type RecordStateChange,
  stamped,
  UpdateRecord,
} from '@shardline/records';
import { RecordsInlineProjection } from '@shardline/records-mysql';
import type { ShardRouter } from '@shardline/sharding';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { Rng } from '../chaos/rng';
import type { Workload } from './workload';

export interface LoaderOptions {
  /** Records decided and written together: one transaction per shard (a batch request's shape). */
  chunk: number;
  /** Chunks in flight at once (decide the next while MariaDB writes the last). */
  inFlight: number;
  /** Share of records updated once (a merge patch) after their creation, and share deleted. */
  updateShare: number;
  deleteShare: number;
  /** Ids kept for the lookups (reservoir sample of live records). */
  sampleSize: number;
}

export interface LoadReport {
  records: number;
  updates: number;
  deletes: number;
  events: number;
  seconds: number;
}

/** A live record the measurements may read: its business (the route) and id. */
export interface SampledRecord {
  businessId: string;
  id: string;
}

const ACTOR = 'bench-scale';

/**
 * The bulk path of bench/scale. It skips HTTP and nothing else: each chunk is decided by the batch
 * command's own decision (decideCreateRecordsBatch: the same validation, ids and RecordCreated
 * events), planned by the write path's planStreamWrite (events, expected versions, the `records`
 * row), and appended per shard by the MysqlEventStore with the records inline projection — the
 * transaction the batch API commits (events + records + outbox, optimistic concurrency on the
 * stream version). A share of each chunk's records is then updated or deleted the same way, as a
 * second command against the state the create left (expected version 1, a guarded UPDATE/DELETE of
 * the row), so streams have 1..2 events and `records` stays the fold of the events.
 * No Idempotency-Key is used (as a batch without one): no processed_commands rows.
 * Streaming: only the chunks in flight are in memory, whatever the total.
 */
export class ScaleLoader {
  private readonly store: MysqlEventStore<RecordStateChange>;
  private clockMs = 0;
  /**
   * The event store's clock (events', outbox rows' created_time): read synchronously when an append
   * starts its transaction, so it is set right before each appendBatch call to that chunk's time.
   */
  private appendMs = 0;
  readonly samples: SampledRecord[] = [];
  seen = 0;
  private readonly rng = new Rng(7);

  constructor(
    private readonly databases: ShardDatabases,
    private readonly router: ShardRouter,
    private readonly workload: Workload,
    private readonly options: LoaderOptions,
  ) {
    this.store = new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 1, windowMs: 0, maxInFlight: 1 } }, () => new Date(this.appendMs));
  }

  /**
   * Loads records [from, to) of a phase that spans [phaseStart, phaseStart + phaseSize), minting ids
   * with its own Snowflake worker id (phases overlap in time, so they must not share one).
   */
  async load(phase: { start: number; size: number; workerId: number }, onProgress: (done: number, seconds: number) => void): Promise<LoadReport> {
    // Each phase starts again at the window's beginning (the clock only moves forward within a phase).
    this.clockMs = 0;
    const ids = new SnowflakeIdGenerator(phase.workerId, () => this.clockMs);
    const report: LoadReport = { records: 0, updates: 0, deletes: 0, events: 0, seconds: 0 };
    const started = performance.now();
    const end = phase.start + phase.size;
    let next = phase.start;
    let lastProgress = started;
    const worker = async () => {
      while (next < end) {
        const from = next;
        const to = Math.min(end, from + this.options.chunk);
        next = to;
        const counts = await this.writeChunk(ids, phase, from, to);
        report.records += to - from;
        report.updates += counts.updates;
        report.deletes += counts.deletes;
        report.events += to - from + counts.updates + counts.deletes;
        if (performance.now() - lastProgress > 10_000) {
          lastProgress = performance.now();
          onProgress(report.records, (lastProgress - started) / 1000);
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.inFlight }, worker));
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  private async writeChunk(ids: SnowflakeIdGenerator, phase: { start: number; size: number }, from: number, to: number): Promise<{ updates: number; deletes: number }> {
    const records = this.workload.records(phase.start, phase.size, from, to);
    const context = contextOf();
    let i = 0;
    // Synchronous: the clock is set per record, so each id carries its record's creation time.
    const decisions = decideCreateRecordsBatch(
      new CreateRecordsBatch({ records: records.map(({ businessId, userId, dataContent }) => ({ businessId, userId, dataContent })), atomic: false }, context),
      () => {
        this.clockMs = Math.max(this.clockMs, records[i++].createdMs);
        return { now: new Date(this.clockMs), recordId: ids.next() };
      },
    );
    const byShard = new Map<number, { creates: StreamWrite<RecordStateChange>[]; mutations: Array<{ kind: 'update' | 'delete'; state: RecordState }> }>();
    for (const decision of decisions) {
      const shard = this.router.shardFor(decision.businessId);
      let part = byShard.get(shard);
      if (!part) byShard.set(shard, (part = { creates: [], mutations: [] }));
      part.creates.push(planStreamWrite(context, { ...decision, before: null }));
      const roll = this.rng.next();
      const state = decision.after!;
      if (roll < this.options.deleteShare) part.mutations.push({ kind: 'delete', state });
      else if (roll < this.options.deleteShare + this.options.updateShare) part.mutations.push({ kind: 'update', state });
      if (roll >= this.options.deleteShare) this.sample({ businessId: state.businessId, id: state.id });
    }
    const mutationContext = contextOf();
    // The chunk's time: its last record's creation (the events of a chunk share one transaction per shard).
    const now = new Date(this.clockMs);
    await Promise.all(
      [...byShard].map(async ([shard, part]) => {
        this.appendMs = now.getTime();
        await this.store.appendBatch({ shard, writes: part.creates });
        if (part.mutations.length === 0) return;
        const writes = part.mutations.map(({ kind, state }) => {
          const target = { businessId: state.businessId, recordId: state.id };
          const command =
            kind === 'update'
              ? stamped(new UpdateRecord({ ...target, patch: { status: 'shipped', shipped_at: now.toISOString() } }, mutationContext), { now, recordId: state.id })
              : stamped(new DeleteRecord(target, mutationContext), { now, recordId: state.id });
          const { events, after } = decideAndEvolve(command, state);
          return planStreamWrite(mutationContext, { businessId: state.businessId, recordId: state.id, events, before: state, after });
        });
        this.appendMs = now.getTime();
        await this.store.appendBatch({ shard, writes });
      }),
    );
    const deletes = [...byShard.values()].reduce((n, p) => n + p.mutations.filter((m) => m.kind === 'delete').length, 0);
    const updates = [...byShard.values()].reduce((n, p) => n + p.mutations.length, 0) - deletes;
    return { updates, deletes };
  }

  /** Continues the reservoir of an earlier run of the same data. */
  resume(samples: SampledRecord[], seen: number): void {
    this.samples.push(...samples);
    this.seen = seen;
  }

  /** Reservoir sampling (algorithm R): every live record created so far is equally likely to be kept. */
  private sample(record: SampledRecord): void {
    this.seen++;
    if (this.samples.length < this.options.sampleSize) this.samples.push(record);
    else {
      const j = Math.floor(this.rng.next() * this.seen);
      if (j < this.options.sampleSize) this.samples[j] = record;
    }
  }

  async drain(): Promise<void> {
    await this.store.drain();
  }
}

function contextOf(): CommandContext {
  const id = randomUUID();
  return { commandId: id, clientSupplied: false, correlationId: id, causationId: null, actor: ACTOR };
}
