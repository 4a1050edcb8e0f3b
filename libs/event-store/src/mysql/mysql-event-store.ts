import { DEFAULT_QUERY_TIMEOUT_MS, slotOf } from '@shardline/sharding';
import { isSlotNotOwned, ShardDatabases, slotFenceStatement } from '@shardline/sharding/mysql';
import { AppendCommand, AppendOutcome, EventStore, StagedStream, StoredCommandResult, StoredEvent } from '../event-store.port';
import { ShardBusyError, ShardUnavailableError, SlotNotOwnedError, StreamVersionConflictError, WriteContentionError } from '../event-store.errors';
import { GroupCommitOptions, GroupCommitQueueFullError, GroupCommitQueueTimeoutError, GroupCommitter, Settled } from '../group-commit/group-committer';
import type { GroupCommitMetrics } from '../group-commit/group-commit.metrics';
import { guardShard, jsonColumn, isConnectionError, isDeadlock, isDuplicateKey, isLockWaitTimeout, MAX_DEADLOCK_ATTEMPTS } from './mysql-errors';
import { InlineChange, MysqlInlineProjection } from './mysql-inline-projection.port';
import { APPEND_EVENT_COLUMNS, insertStatements, OUTBOX_COLUMNS, PlannedStatement } from './sql-statements';
import { packetsOf, packetText } from './statement-packets';
import { storedEventOf } from './stored-event-row';
import { endStaging } from './staged-writes';
import type { PoolConnection } from 'mysql2/promise';
import { acquireWriter, WriterWaitTimeoutError, isWriterQueueFull } from './writer-acquisition';

// `slot`: the write's slot, stored in the row so a slot move reads its rows by index (shard migration 0010).
const COMMAND_COLUMNS = ['command_id', 'request_hash', 'response', 'created_time', 'slot'];

export interface MysqlEventStoreOptions {
  groupCommit: GroupCommitOptions;
  /**
   * Longest one packet of an append may take. A shard that stops answering on a connection already
   * open (a hung server, a silent network loss) then fails the append with 503 after this instead
   * of leaving it, its group-commit slot and a graceful drain pending forever. Default 10 s: a
   * 10,000-record batch part under load takes well under that.
   */
  queryTimeoutMs?: number;
  /** Group sizes and queue depth per shard (the process registry's GroupCommitMetrics). */
  metrics?: GroupCommitMetrics;
}

/** Which statement of the append transaction failed, so a duplicate key can be told apart. */
type Step = 'connect' | 'commands' | 'events' | 'state' | 'commit';

class AppendStepError extends Error {
  constructor(
    readonly step: Step,
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/**
 * Sharded MySQL event store. One append = ONE local transaction on the owning shard holding:
 *   0. the slot fence: the shard must own every slot the transaction writes (owned_slots, read with a
 *      shared lock; docs/adr/0008), else nothing is written and the append fails with
 *      SlotNotOwnedError (retriable: the caller reloads the slot map and addresses the right shard),
 *   1. the processed-command row (idempotency; inserted first so a concurrent duplicate waits on its lock),
 *   2. the events (optimistic concurrency by the unique key (stream_id, stream_version, month_key)),
 *   3. the inline state change (e.g. the `records` row),
 *   4. the outbox rows the relay publishes.
 * Concurrent single commands for a shard are group-committed: one transaction of multi-row inserts.
 * If a group fails for a reason that belongs to one command (conflict, duplicate, bad row), each
 * command is retried alone so only the culprit fails; if the shard is unreachable, all fail with 503.
 */
export class MysqlEventStore<TState> implements EventStore<TState> {
  /** One per shard, made on first use: shards registered after start get theirs too. */
  private readonly committers: Array<GroupCommitter<AppendCommand<TState>, AppendOutcome>> = [];
  private readonly queryTimeoutMs: number;
  /** Longest a write waits for a writer connection (GroupCommitOptions.maxQueueWaitMs, else the pool's connect timeout + 1 s). */
  private readonly writerWaitMs: number;

  constructor(
    private readonly databases: ShardDatabases,
    private readonly projection: MysqlInlineProjection<TState>,
    private readonly options: MysqlEventStoreOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    // 0 (no timeout) is for maintenance pools; the write path always keeps one.
    this.queryTimeoutMs = options.queryTimeoutMs ?? (databases.config.queryTimeoutMs || DEFAULT_QUERY_TIMEOUT_MS);
    this.writerWaitMs = options.groupCommit.maxQueueWaitMs ?? databases.config.connectTimeoutMs + 1000;
    for (const shard of databases.shardIndexes()) this.committerFor(shard);
  }

  append(command: AppendCommand<TState>): Promise<AppendOutcome> {
    return this.committerFor(command.shard)
      .submit(command)
      .catch((error: unknown) => {
        if (error instanceof GroupCommitQueueFullError) throw new ShardBusyError(command.shard, `${error.queued} writes already wait for it`, error);
        if (error instanceof GroupCommitQueueTimeoutError) throw new ShardBusyError(command.shard, `waited ${error.waitedMs} ms for a group commit`, error);
        throw error;
      });
  }

  appendBatch(command: AppendCommand<TState>): Promise<AppendOutcome> {
    this.committerFor(command.shard);
    return this.writeAlone(command.shard, command);
  }

  async findCommandResult(shard: number, commandId: string): Promise<StoredCommandResult | null> {
    const rows = await guardShard(shard, () =>
      this.databases.shard(shard)('processed_commands').where({ command_id: commandId }).select('command_id', 'request_hash', 'response'),
    );
    const row = rows[0];
    if (!row) return null;
    return { commandId: row.command_id, requestHash: row.request_hash, response: jsonColumn(row.response) };
  }

  async findCommandResultsByPrefix(shard: number, prefix: string): Promise<StoredCommandResult[]> {
    // LIKE with a constant prefix is a range on the primary key; the prefix's own wildcards are escaped.
    const pattern = `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    const rows = await guardShard(shard, () =>
      this.databases
        .shard(shard)('processed_commands')
        .whereRaw("command_id LIKE ? ESCAPE '!'", [pattern])
        .orderBy('command_id')
        .select('command_id', 'request_hash', 'response'),
    );
    return rows.map((row: { command_id: string; request_hash: string; response: unknown }) => ({ commandId: row.command_id, requestHash: row.request_hash, response: jsonColumn(row.response) }));
  }

  async readStream(shard: number, streamId: string): Promise<StoredEvent[]> {
    const rows = await guardShard(shard, () =>
      this.databases.shard(shard)('events').where({ stream_id: streamId }).orderBy('stream_version', 'asc').select('*'),
    );
    return rows.map((row: Record<string, unknown>) => storedEventOf(shard, row));
  }

  releaseStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number> {
    this.committerFor(shard);
    return endStaging(this.databases.shard(shard), shard, this.projection, this.clock, { writeSetId, streams, action: 'release' });
  }

  discardStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number> {
    this.committerFor(shard);
    return endStaging(this.databases.shard(shard), shard, this.projection, this.clock, { writeSetId, streams, action: 'discard' });
  }

  /** Waits for queued and in-flight groups (graceful shutdown loses nothing acknowledged-to-be). */
  async drain(): Promise<void> {
    await Promise.all(this.committers.map((c) => c.drain()));
  }

  private committerFor(shard: number): GroupCommitter<AppendCommand<TState>, AppendOutcome> {
    const existing = this.committers[shard];
    if (existing) return existing;
    this.databases.writer(shard); // a shard the process does not know: RangeError
    const { metrics, groupCommit } = this.options;
    const committer = new GroupCommitter<AppendCommand<TState>, AppendOutcome>((group) => {
      metrics?.grouped(shard, group.length);
      return this.writeGroup(shard, group);
    }, groupCommit);
    metrics?.watch(shard, () => committer.queued);
    this.committers[shard] = committer;
    return committer;
  }

  private async writeGroup(shard: number, group: AppendCommand<TState>[]): Promise<Array<Settled<AppendOutcome>>> {
    if (group.length === 1) return [await settle(this.writeAlone(shard, group[0]))];
    try {
      await this.transaction(shard, group);
      return group.map(() => ({ ok: true, value: { kind: 'appended' } }));
    } catch (error) {
      const cause = error instanceof AppendStepError ? error.original : error;
      const busy = asShardBusy(shard, cause);
      if (busy) return group.map(() => ({ ok: false, error: busy }));
      if (isConnectionError(cause)) {
        const unavailable = new ShardUnavailableError(shard, cause, error instanceof AppendStepError && error.step === 'commit');
        return group.map(() => ({ ok: false, error: unavailable }));
      }
      // Something in the group belongs to one command only: replay them one by one.
      const results: Array<Settled<AppendOutcome>> = [];
      for (const command of group) results.push(await settle(this.writeAlone(shard, command)));
      return results;
    }
  }

  private async writeAlone(shard: number, command: AppendCommand<TState>, attempt = 1): Promise<AppendOutcome> {
    try {
      await this.transaction(shard, [command]);
      return { kind: 'appended' };
    } catch (error) {
      if (!(error instanceof AppendStepError)) throw error;
      const cause = error.original;
      const busy = asShardBusy(shard, cause);
      if (busy) throw busy;
      if (isSlotNotOwned(cause)) throw new SlotNotOwnedError(shard, slotsOf(command), cause);
      if (cause instanceof StreamVersionConflictError) throw cause;
      if (isDuplicateKey(cause, 'uq_stream_version')) {
        const write = command.writes[0];
        throw new StreamVersionConflictError(command.writes.length === 1 ? write.streamId : 'one of the batch streams', write.expectedVersion);
      }
      if (error.step === 'commands' && isDuplicateKey(cause) && command.idempotency) {
        const stored = await this.findCommandResult(shard, command.idempotency.commandId);
        if (stored) return { kind: 'duplicate', stored };
      }
      if (isDeadlock(cause) && attempt < MAX_DEADLOCK_ATTEMPTS) return this.writeAlone(shard, command, attempt + 1);
      // Still deadlocking after the retries, or a lock wait: the rows are busy, the shard is fine (503, retriable).
      if (isDeadlock(cause) || isLockWaitTimeout(cause)) throw new WriteContentionError(shard, cause);
      if (isConnectionError(cause)) throw new ShardUnavailableError(shard, cause, error.step === 'commit');
      throw cause;
    }
  }

  private async transaction(shard: number, commands: AppendCommand<TState>[]): Promise<void> {
    const now = this.clock();
    const commandRows: unknown[][] = [];
    const eventRows: unknown[][] = [];
    const outboxRows: unknown[][] = [];
    const changes: InlineChange<TState>[] = [];
    // Each command's slots, computed once: they give its key's slot and, together, the fence's.
    const slotSets = commands.map((command) => slotsOf(command));
    commands.forEach((command, c) => {
      if (command.idempotency) {
        const { commandId, requestHash, response } = command.idempotency;
        // The key's slot when the command writes exactly one (a slot move copies the key with it);
        // NULL for a batch part spanning slots (docs/adr/0008 4.8). No statement of its own.
        const own = slotSets[c];
        commandRows.push([commandId, requestHash, JSON.stringify(response), now, own.length === 1 ? own[0] : null]);
      }
      for (const write of command.writes) {
        // The slot the fence checks for this write; stored in its rows (no statement of its own).
        const slot = slotOf(write.partitionKey);
        write.events.forEach((event, i) => {
          const version = write.expectedVersion + i + 1;
          eventRows.push([
            write.partitionMonth,
            write.streamId,
            version,
            event.type,
            event.schemaVersion,
            JSON.stringify(event.data),
            JSON.stringify(event.metadata),
            now,
            command.stagedBy ?? null,
            slot,
          ]);
          // Staged events get their outbox rows when the write set is released, never before.
          if (!command.stagedBy) outboxRows.push([write.streamId, version, write.partitionMonth, write.partitionKey, now]);
        });
        changes.push({ streamId: write.streamId, expectedVersion: write.expectedVersion, state: write.state, stagedBy: command.stagedBy ?? null, slot });
      }
    });
    // The fence goes first, right after BEGIN (whichever packet carries it): its shared locks are
    // taken before any row lock, so a cutover's revoke waiting on them cannot close a deadlock.
    const slots = slotSets.length === 1 ? slotSets[0] : [...new Set(slotSets.flat())].sort((a, b) => a - b);
    const fence = slots.length > 0 ? [{ sql: slotFenceStatement(slots) }] : [];
    const commandInserts = commandRows.length > 0 ? insertStatements('processed_commands', COMMAND_COLUMNS, commandRows) : [];
    const main = [
      ...(commandInserts.length > 0 ? [] : fence),
      ...insertStatements('events', APPEND_EVENT_COLUMNS, eventRows),
      ...this.projection.plan(changes),
      ...insertStatements('outbox', OUTBOX_COLUMNS, outboxRows),
    ];
    await this.run(shard, commandInserts.length > 0 ? [...fence, ...commandInserts] : [], main);
  }

  /**
   * Runs one transaction in as few round trips as possible (multi-statement packets):
   * - the processed-command rows go first, alone with BEGIN, so a racing duplicate blocks on their
   *   key lock and then fails there (and only there) with a duplicate key;
   * - the rest follows in packets (packetsOf: small statements together, a large multi-row INSERT
   *   alone); when nothing needs checking, COMMIT rides in the last packet, otherwise guards are
   *   checked and COMMIT is sent on its own.
   * MariaDB stops a multi-statement packet at the first failing statement, so on any error the
   * transaction is rolled back and nothing of it remains.
   */
  private async run(shard: number, first: PlannedStatement[], main: PlannedStatement[]): Promise<void> {
    const guarded = main.some((s) => s.guard);
    let step: Step = 'connect';
    let connection: PoolConnection;
    try {
      connection = await acquireWriter(this.databases.writer(shard), this.writerWaitMs);
    } catch (error) {
      throw new AppendStepError(step, error);
    }
    try {
      if (first.length > 0) {
        step = 'commands';
        await connection.query({ sql: ['BEGIN', ...first.map((s) => s.sql)].join(';\n'), timeout: this.queryTimeoutMs });
      }
      step = 'events';
      const statements: PlannedStatement[] = [...(first.length > 0 ? [] : [{ sql: 'BEGIN' }]), ...main, ...(guarded ? [] : [{ sql: 'COMMIT' }])];
      for (const packet of packetsOf(statements)) {
        if (!guarded && packet[packet.length - 1].sql === 'COMMIT') step = 'commit';
        const [results] = await connection.query({ sql: packetText(packet), timeout: this.queryTimeoutMs });
        const headers = (Array.isArray(results) ? results : [results]) as Array<{ affectedRows?: number }>;
        packet.forEach((statement, i) => {
          if (statement.guard && headers[i]?.affectedRows !== 1) {
            step = 'state';
            throw new StreamVersionConflictError(statement.guard.streamId, statement.guard.expectedVersion);
          }
        });
      }
      if (guarded) {
        step = 'commit';
        await connection.query({ sql: 'COMMIT', timeout: this.queryTimeoutMs });
      }
      connection.release();
    } catch (error) {
      if (isConnectionError(error)) {
        connection.destroy();
      } else {
        await connection.query('ROLLBACK').then(
          () => connection.release(),
          () => connection.destroy(),
        );
      }
      throw new AppendStepError(step, error);
    }
  }
}

/**
 * The slots a command writes, ascending (the fence locks them in this order). A command without
 * writes (a no-op under a client key) counts its business's slot when it names one: its key is
 * then fenced and stored with the slot like a write; one naming none touches no slot and is not fenced.
 */
function slotsOf(command: AppendCommand<unknown>): number[] {
  const slots = new Set<number>();
  for (const write of command.writes) slots.add(slotOf(write.partitionKey));
  if (command.writes.length === 0 && command.partitionKey !== undefined) slots.add(slotOf(command.partitionKey));
  return [...slots].sort((a, b) => a - b);
}

/** Waiting for a writer connection ran out of time or room: nothing was sent (503 SHARD_BUSY). */
function asShardBusy(shard: number, cause: unknown): ShardBusyError | null {
  if (cause instanceof WriterWaitTimeoutError) return new ShardBusyError(shard, `waited ${cause.waitedMs} ms for a connection`, cause);
  if (isWriterQueueFull(cause)) return new ShardBusyError(shard, 'too many writes wait for a connection', cause);
  return null;
}

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

