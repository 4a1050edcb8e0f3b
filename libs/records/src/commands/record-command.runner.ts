import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { EVENT_STORE, EventStore, EventToAppend, isStreamVersionConflict, StoredCommandResult } from '@shardline/event-store';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { RecordState, streamIdOf } from '../domain/record';
import { partitionMonthOf } from './record-partition-month';
import { RecordEvent } from '../domain/record.events';
import { IdempotencyKeyReusedError, RecordVersionMismatchError } from '../domain/record.errors';
import { RECORD_STATE_READER, RecordStateChange, RecordStateReader } from '../ports/record-state.port';
import { CLOCK, Clock } from '../ports/clock.port';
import { noRecordCache, RECORD_CACHE_INVALIDATOR, RecordCacheInvalidator } from '../ports/record-cache-invalidator.port';
import { CommandContext } from './command-context';

export interface Decision<TResponse> {
  /** Empty when the command changes nothing (e.g. a no-op patch). */
  events: RecordEvent[];
  change: RecordStateChange | null;
  response: TResponse;
}

export interface SingleRecordCommand<TResponse> {
  businessId: string;
  recordId: string;
  context: CommandContext;
  /** What identifies the request for Idempotency-Key reuse detection. */
  fingerprint: unknown;
  /** Load current state first (false for creates: a fresh id has none). */
  loadState: boolean;
  /** Retry a lost optimistic-concurrency race with fresh state (false when the client pinned the version). */
  retryConflicts: boolean;
  decide(state: RecordState | null, now: Date): Decision<TResponse>;
}

export interface CommandOutcome<TResponse> {
  response: TResponse;
  /** True when an earlier execution's response was returned and nothing was written. */
  replayed: boolean;
}

/** Unpinned commands retry lost races this often (each round one racer wins), with jittered backoff. */
const MAX_ATTEMPTS = 10;
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));

/**
 * The one routine every single-record command goes through:
 *   1. a known client command id returns its stored response (nothing is written);
 *   2. load the current state from the shard;
 *   3. decide (pure);
 *   4. append events + state + outbox (+ command id) with the expected version, in one transaction;
 *   5. if another writer won the race, reload and decide again — unless the client pinned the version.
 */
@Injectable()
export class RecordCommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<RecordStateChange>,
    @Inject(RECORD_STATE_READER) private readonly reader: RecordStateReader,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(RECORD_CACHE_INVALIDATOR) private readonly cache: RecordCacheInvalidator = noRecordCache,
  ) {}

  async run<TResponse>(command: SingleRecordCommand<TResponse>): Promise<CommandOutcome<TResponse>> {
    // Creates (loadState false) have no prior state a cache could hold; see RecordCacheInvalidator.
    if (!command.loadState) return this.execute(command);
    let outcome: CommandOutcome<TResponse>;
    try {
      outcome = await this.execute(command);
    } catch (error) {
      // The append may have committed before the error (e.g. a lost connection at COMMIT):
      // invalidate anyway so the cache cannot keep the old state; the command's own error wins.
      await this.cache.invalidate(command.businessId, command.recordId).catch(() => undefined);
      throw error;
    }
    // Also on replays: the first execution may have committed and then failed to invalidate.
    await this.cache.invalidate(command.businessId, command.recordId);
    return outcome;
  }

  private async execute<TResponse>(command: SingleRecordCommand<TResponse>): Promise<CommandOutcome<TResponse>> {
    const shard = this.router.shardFor(command.businessId);
    const { context } = command;
    // Only client-chosen command ids are remembered, so only they need a request fingerprint.
    const requestHash = context.clientSupplied ? fingerprintOf(command.fingerprint) : '';
    if (context.clientSupplied) {
      const stored = await this.store.findCommandResult(shard, context.commandId);
      if (stored) return replayOf<TResponse>(stored, requestHash);
    }
    for (let attempt = 1; ; attempt++) {
      const state = command.loadState ? await this.reader.get(shard, command.businessId, command.recordId) : null;
      const decision = command.decide(state, this.clock());
      if (decision.events.length === 0 || !decision.change) return { response: decision.response, replayed: false };
      const expectedVersion = state?.version ?? 0;
      try {
        const outcome = await this.store.append({
          shard,
          writes: [
            {
              streamId: streamIdOf(command.recordId),
              partitionMonth: partitionMonthOf(command.recordId),
              expectedVersion,
              events: decision.events.map((event) => toAppend(event, context)),
              partitionKey: command.businessId,
              state: decision.change,
            },
          ],
          idempotency: context.clientSupplied ? { commandId: context.commandId, requestHash, response: decision.response } : undefined,
        });
        if (outcome.kind === 'duplicate') return replayOf<TResponse>(outcome.stored, requestHash);
        return { response: decision.response, replayed: false };
      } catch (error) {
        if (!isStreamVersionConflict(error)) throw error;
        if (!command.retryConflicts || attempt >= MAX_ATTEMPTS) {
          const current = await this.reader.get(shard, command.businessId, command.recordId);
          throw new RecordVersionMismatchError(command.recordId, expectedVersion, current?.version ?? 0);
        }
        await backoff(attempt);
      }
    }
  }
}

export function toAppend(event: RecordEvent, context: CommandContext): EventToAppend {
  return {
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      eventId: randomUUID(),
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId,
      actor: context.actor,
    },
  };
}

export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export function replayOf<TResponse>(stored: StoredCommandResult, requestHash: string): CommandOutcome<TResponse> {
  if (stored.requestHash !== requestHash) throw new IdempotencyKeyReusedError(stored.commandId);
  return { response: stored.response as TResponse, replayed: true };
}
