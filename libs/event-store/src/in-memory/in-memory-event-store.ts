import { AppendCommand, AppendOutcome, EventStore, StagedStream, StoredCommandResult, StoredEvent } from '../event-store.port';
import { ShardUnavailableError, StreamVersionConflictError } from '../event-store.errors';
import type { EventLogReader } from '../event-log-reader.port';
import type { EventImportTarget, StreamImport } from '../event-import.port';

/** In-memory counterpart of a MySQL inline projection: sees each committed change in order. */
export interface InMemoryInlineProjection<TState> {
  apply(shard: number, changes: Array<{ streamId: string; expectedVersion: number; state: TState; stagedBy: string | null }>): void;
  /** The staging marker of these streams' state ends (release) or the state goes (discard). */
  endStaging?(shard: number, writeSetId: string, streamIds: readonly string[], action: 'release' | 'discard'): void;
}

interface ShardState {
  streams: Map<string, StoredEvent[]>;
  /** Write set id of every event still staged, by event position. */
  staged: Map<string, string>;
  commands: Map<string, StoredCommandResult>;
  outbox: StoredEvent[];
  /** The outbox row id of each outbox event, by event position (ids grow in insertion order, as MySQL's auto-increment). */
  outboxIds: Map<string, string>;
  nextOutboxId: bigint;
  nextPosition: bigint;
  unavailable: boolean;
}

/**
 * Event store for unit tests and the developer kit: same contract as the MySQL adapter
 * (versions, idempotency, all-or-nothing per command), no I/O; also the shard's event log in
 * position order (EventLogReader), as rebuilds and replays read it. Held to MySQL by the event-store
 * and event-log-reader contracts (@shardline/testing/contracts).
 */
export class InMemoryEventStore<TState> implements EventStore<TState>, EventLogReader, EventImportTarget<TState> {
  private readonly shards: ShardState[];

  constructor(
    shardCount: number,
    private readonly projection?: InMemoryInlineProjection<TState>,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.shards = Array.from({ length: shardCount }, () => ({
      streams: new Map(),
      staged: new Map(),
      commands: new Map(),
      outbox: [],
      outboxIds: new Map(),
      nextOutboxId: 1n,
      nextPosition: 1n,
      unavailable: false,
    }));
  }

  async append(command: AppendCommand<TState>): Promise<AppendOutcome> {
    return this.write(command);
  }

  async appendBatch(command: AppendCommand<TState>): Promise<AppendOutcome> {
    return this.write(command);
  }

  async findCommandResult(shard: number, commandId: string): Promise<StoredCommandResult | null> {
    return this.reachable(shard).commands.get(commandId) ?? null;
  }

  async findCommandResultsByPrefix(shard: number, prefix: string): Promise<StoredCommandResult[]> {
    const found = [...this.reachable(shard).commands.values()].filter((c) => c.commandId.startsWith(prefix));
    return found.sort((a, b) => (a.commandId < b.commandId ? -1 : a.commandId > b.commandId ? 1 : 0));
  }

  async readStream(shard: number, streamId: string): Promise<StoredEvent[]> {
    return [...(this.reachable(shard).streams.get(streamId) ?? [])];
  }

  async releaseStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number> {
    return this.endStaging(shard, writeSetId, streams, 'release');
  }

  async discardStaged(shard: number, writeSetId: string, streams: readonly StagedStream[]): Promise<number> {
    return this.endStaging(shard, writeSetId, streams, 'discard');
  }

  /** Events after a position, in position order; staged events are not part of the log until released. */
  async readEventsAfter(shard: number, afterPosition: string, limit: number): Promise<StoredEvent[]> {
    if (!/^[0-9]{1,20}$/.test(afterPosition)) throw new RangeError(`afterPosition must be a decimal position, got ${afterPosition}`);
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const state = this.reachable(shard);
    const after = BigInt(afterPosition);
    return [...state.streams.values()]
      .flat()
      .filter((e) => BigInt(e.position) > after && !state.staged.has(e.position))
      .sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1))
      .slice(0, limit);
  }

  async takenPositions(shard: number, positions: readonly string[]): Promise<Set<string>> {
    const state = this.reachable(shard);
    const held = new Set([...state.streams.values()].flat().map((e) => e.position));
    return new Set(positions.filter((p) => held.has(p)));
  }

  /** A recording's streams, all or none (checked before anything is touched, as write() does). */
  async importStreams(shard: number, streams: readonly StreamImport<TState>[], options: { outbox: boolean }): Promise<void> {
    const state = this.reachable(shard);
    for (const s of streams) {
      if ((state.streams.get(s.streamId)?.length ?? 0) !== s.expectedVersion) throw new StreamVersionConflictError(s.streamId, s.expectedVersion);
    }
    for (const s of streams) {
      const stream = state.streams.get(s.streamId) ?? [];
      for (const event of s.events) {
        const position = event.position ?? String(state.nextPosition);
        // Positions stay unique and growing: the next allocated one comes after every kept one.
        if (BigInt(position) >= state.nextPosition) state.nextPosition = BigInt(position) + 1n;
        const { position: _, ...rest } = event;
        const stored: StoredEvent = { ...rest, shard, position, streamId: s.streamId };
        stream.push(stored);
        if (options.outbox) toOutbox(state, stored);
      }
      state.streams.set(s.streamId, stream);
    }
    const changes = streams.filter((s) => s.state !== null).map((s) => ({ streamId: s.streamId, expectedVersion: s.expectedVersion, state: s.state as TState, stagedBy: null }));
    if (changes.length > 0) this.projection?.apply(shard, changes);
  }

  /** Test hook: make a shard fail like an unreachable server. */
  setUnavailable(shard: number, unavailable: boolean): void {
    this.shards[shard].unavailable = unavailable;
  }

  outbox(shard: number): StoredEvent[] {
    return [...this.shards[shard].outbox];
  }

  /** The outbox as a relay reads it: rows in id order with their events (an unreachable shard throws, as MySQL would). */
  outboxEntries(shard: number): Array<{ outboxId: string; event: StoredEvent }> {
    const state = this.reachable(shard);
    return state.outbox.map((event) => ({ outboxId: state.outboxIds.get(event.position)!, event }));
  }

  /** Deletes published outbox rows by id (unknown ids are ignored, as a DELETE by id would). */
  removeFromOutbox(shard: number, outboxIds: readonly string[]): void {
    const state = this.reachable(shard);
    const gone = new Set(outboxIds);
    state.outbox = state.outbox.filter((event) => !gone.has(state.outboxIds.get(event.position)!));
    for (const [position, id] of state.outboxIds) if (gone.has(id)) state.outboxIds.delete(position);
  }

  private write(command: AppendCommand<TState>): AppendOutcome {
    const shard = this.reachable(command.shard);
    if (command.idempotency) {
      const stored = shard.commands.get(command.idempotency.commandId);
      if (stored) return { kind: 'duplicate', stored };
    }
    // Check everything before touching anything: a command is all or nothing.
    for (const write of command.writes) {
      const current = shard.streams.get(write.streamId)?.length ?? 0;
      if (current !== write.expectedVersion) throw new StreamVersionConflictError(write.streamId, write.expectedVersion);
    }
    const now = this.clock();
    for (const write of command.writes) {
      const stream = shard.streams.get(write.streamId) ?? [];
      write.events.forEach((event, i) => {
        const stored: StoredEvent = {
          ...event,
          shard: command.shard,
          position: String(shard.nextPosition++),
          streamId: write.streamId,
          streamVersion: write.expectedVersion + i + 1,
          createdTime: now,
        };
        stream.push(stored);
        if (command.stagedBy) shard.staged.set(stored.position, command.stagedBy);
        else toOutbox(shard, stored);
      });
      shard.streams.set(write.streamId, stream);
    }
    this.projection?.apply(
      command.shard,
      command.writes.map((w) => ({ streamId: w.streamId, expectedVersion: w.expectedVersion, state: w.state, stagedBy: command.stagedBy ?? null })),
    );
    if (command.idempotency) shard.commands.set(command.idempotency.commandId, command.idempotency);
    return { kind: 'appended' };
  }

  private endStaging(index: number, writeSetId: string, streams: readonly StagedStream[], action: 'release' | 'discard'): number {
    const shard = this.reachable(index);
    let touched = 0;
    for (const { streamId } of streams) {
      const events = shard.streams.get(streamId) ?? [];
      const staged = events.filter((e) => shard.staged.get(e.position) === writeSetId);
      for (const event of staged) {
        shard.staged.delete(event.position);
        if (action === 'release') toOutbox(shard, event);
      }
      if (action === 'discard' && staged.length > 0) {
        const kept = events.filter((e) => !staged.includes(e));
        if (kept.length === 0) shard.streams.delete(streamId);
        else shard.streams.set(streamId, kept);
      }
      touched += staged.length;
    }
    this.projection?.endStaging?.(index, writeSetId, streams.map((s) => s.streamId), action);
    return touched;
  }

  private reachable(index: number): ShardState {
    const shard = this.shards[index];
    if (!shard) throw new RangeError(`no shard ${index}`);
    if (shard.unavailable) throw new ShardUnavailableError(index, new Error('shard marked unavailable'));
    return shard;
  }
}

function toOutbox(shard: ShardState, event: StoredEvent): void {
  shard.outbox.push(event);
  shard.outboxIds.set(event.position, String(shard.nextOutboxId++));
}
