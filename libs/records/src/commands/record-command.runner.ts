import { Inject, Injectable, Optional } from '@nestjs/common';
import { EVENT_STORE, EventStore, isStreamVersionConflict } from '@shardline/event-store';
import { hasErrorKind, InternalError } from '@shardline/errors';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { RecordState } from '../domain/record.state';
import { RecordVersionMismatchError } from '../domain/record.errors';
import { initialState } from '../domain/record.evolve';
import { assertNotLocked } from '../domain/record.preconditions';
import { DeletedRecordView, RecordView, toDeletedRecordView, toRecordView } from '../domain/record.view';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { noRecordCache, RECORD_CACHE_INVALIDATOR, RecordCacheInvalidator } from '../ports/record-cache-invalidator.port';
import { RECORD_STATE_READER, RecordStateChange, RecordStateReader } from '../ports/record-state.port';
import { CommandOutcome } from './command-outcome';
import { DeleteRecord } from './delete-record/delete-record.command';
import { RecordCommand, stamped } from './record.commands';
import { replayOf, requestHashOf } from './record-command.idempotency';
import { decideAndEvolve } from './record.decider';
import { beforeRetryOfMovedSlot } from './slot-moved-retry';
import { planStreamWrite } from './stream-write.planner';

/** What each command answers: the record as it is after the command, or the tombstone of a delete. */
export type AnswerOf<C extends RecordCommand> = C extends DeleteRecord ? DeletedRecordView : RecordView;

/** The record a command is about, and where its stream lives. */
interface RecordStream {
  shard: number;
  businessId: string;
  recordId: string;
  /** A CreateRecord's stream: no state to load, no cache entry to invalidate, no race to retry. */
  isNew: boolean;
}

/** Unpinned commands retry lost races this often (each round one racer wins), with jittered backoff. */
const MAX_ATTEMPTS = 10;
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));

/**
 * The one routine every single-record command goes through:
 *   1. address the record's stream (a CreateRecord's record gets its id here: ids are effects);
 *   2. a known client command id returns its stored response (nothing is written);
 *   3. load the current state from the shard (a new record has none);
 *   4. decide (pure) and evolve: the events, and the state they leave (a record a move saga holds
 *      is refused with RECORD.LOCKED, naming the saga);
 *   5. no events: answer with the state as it is and write nothing (a no-op patch), but remember the
 *      answer under a client command id like any other, so its retry replays it instead of deciding
 *      again against a record someone else changed since;
 *   6. append events + `records` row change + outbox (+ command id) with the expected version, in one transaction;
 *   7. if another writer won the race (or a move saga locked the record meanwhile), back to 3 —
 *      unless the client pinned the version: then the lock, or else the version conflict, is the answer;
 *   8. updates and deletes invalidate read caches after the commit and before answering;
 *   9. a refusal under a client command id looks the id up once more: a retry racing its own first
 *      attempt must replay that attempt's answer, not refuse because it sees its effect.
 * The row change and the answer are read off the states before and after (planStreamWrite, answerOf).
 */
@Injectable()
export class RecordCommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<RecordStateChange>,
    @Inject(RECORD_STATE_READER) private readonly reader: RecordStateReader,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(RECORD_CACHE_INVALIDATOR) private readonly cache: RecordCacheInvalidator = noRecordCache,
  ) {}

  /**
   * Steps 1–9 on the shard the map names; when that shard refuses the slot (the map this process
   * holds is stale, or a move's cutover holds the slot), the map is reloaded and the command
   * addressed again (nothing of the refused attempt was written, its key included).
   */
  async run<C extends RecordCommand>(command: C): Promise<CommandOutcome<AnswerOf<C>>> {
    let stream = this.streamOf(command);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOn(command, stream);
      } catch (error) {
        const refusedBy = stream.shard;
        await beforeRetryOfMovedSlot(error, attempt, this.router, () => this.router.shardFor(stream.businessId) === refusedBy);
        stream = { ...stream, shard: this.router.shardFor(stream.businessId) };
      }
    }
  }

  private async runOn<C extends RecordCommand>(command: C, stream: RecordStream): Promise<CommandOutcome<AnswerOf<C>>> {
    // A new record has no prior state a cache could hold; see RecordCacheInvalidator.
    if (stream.isNew) return this.execute(command, stream);
    let outcome: CommandOutcome<AnswerOf<C>>;
    try {
      outcome = await this.execute(command, stream);
    } catch (error) {
      // The append may have committed before the error (e.g. a lost connection at COMMIT):
      // invalidate anyway so the cache cannot keep the old state; the command's own error wins.
      await this.cache.invalidate(stream.businessId, stream.recordId).catch(() => undefined);
      throw error;
    }
    // Also on replays: the first execution may have committed and then failed to invalidate.
    await this.cache.invalidate(stream.businessId, stream.recordId);
    return outcome;
  }

  private streamOf(command: RecordCommand): RecordStream {
    const { businessId } = command.data;
    const shard = this.router.shardFor(businessId);
    if (command.type === 'CreateRecord') return { shard, businessId, recordId: this.ids.next(), isNew: true };
    return { shard, businessId, recordId: command.data.recordId, isNew: false };
  }

  private async execute<C extends RecordCommand>(command: C, stream: RecordStream): Promise<CommandOutcome<AnswerOf<C>>> {
    const context = command.metadata;
    const status = stream.isNew ? 201 : 200;
    // Only client-chosen command ids are remembered, so only they need a request fingerprint.
    const requestHash = context.clientSupplied ? requestHashOf(command) : '';
    if (context.clientSupplied) {
      const stored = await this.store.findCommandResult(stream.shard, context.commandId);
      if (stored) return replayOf(stored, requestHash, status);
    }
    try {
      return await this.decideAndAppend(command, stream, requestHash, status);
    } catch (error) {
      // A retry racing its own first attempt: the first committed between the key lookup above and
      // the state load, so this decision saw its effect and refused (a delete finds no record, a
      // pinned patch meets its own new version). A repeated key answers the first response: look
      // again before refusing (found by the chaos soak, bench/README.md).
      if (context.clientSupplied && hasErrorKind(error, ...DECISION_REFUSALS)) {
        const stored = await this.store.findCommandResult(stream.shard, context.commandId);
        if (stored) return replayOf(stored, requestHash, status);
      }
      throw error;
    }
  }

  private async decideAndAppend<C extends RecordCommand>(command: C, addressed: RecordStream, requestHash: string, status: 200 | 201): Promise<CommandOutcome<AnswerOf<C>>> {
    let stream = addressed;
    const context = command.metadata;
    const retryConflicts = !isPinned(command);
    for (let attempt = 1; ; attempt++) {
      const before = stream.isNew ? initialState() : await this.reader.get(stream.shard, stream.businessId, stream.recordId);
      const { events, after } = decideAndEvolve(stamped<RecordCommand>(command, { now: this.clock(), recordId: stream.recordId }), before);
      const response = answerOf(before, after, (before?.version ?? 0) + events.length) as AnswerOf<C>;
      if (events.length === 0 && !context.clientSupplied) return { status, response, replayed: false };
      try {
        const outcome = await this.store.append({
          shard: stream.shard,
          writes: events.length === 0 ? [] : [planStreamWrite(context, { ...stream, events, before, after })],
          idempotency: context.clientSupplied ? { commandId: context.commandId, requestHash, response } : undefined,
          // A no-op's key belongs to the record's slot (fenced, moved with it: docs/adr/0008 4.8).
          partitionKey: stream.businessId,
        });
        if (outcome.kind === 'duplicate') return replayOf(outcome.stored, requestHash, status);
        return { status, response, replayed: false };
      } catch (error) {
        if (!isStreamVersionConflict(error)) throw error;
        // A new record's stream already exists: its server-chosen id collided (e.g. ids repeated
        // after a restart with the clock stepped back). Not the client's concern: mint another id.
        if (stream.isNew && attempt < MAX_ATTEMPTS) {
          stream = { ...stream, recordId: this.ids.next() };
          continue;
        }
        if (!retryConflicts || attempt >= MAX_ATTEMPTS) {
          const current = await this.reader.get(stream.shard, stream.businessId, stream.recordId);
          // A move saga took the record between the load and the append: say so, not "version conflict".
          assertNotLocked(current);
          throw new RecordVersionMismatchError(stream.recordId, before?.version ?? 0, current?.version ?? 0);
        }
        await backoff(attempt);
      }
    }
  }
}

/** What a decision (or a pinned append) refuses with when the record is not as the command expects. */
const DECISION_REFUSALS = ['not-found', 'conflict', 'locked'] as const;

/** A create's fresh stream cannot lose a race; an If-Match (expected version) forbids applying on top of a winner. */
function isPinned(command: RecordCommand): boolean {
  return command.type === 'CreateRecord' || command.data.expectedVersion !== undefined;
}

/** The answer read off the states: the record as it now is, or, when it went, its tombstone at the stream's new version. */
function answerOf(before: RecordState | null, after: RecordState | null, version: number): RecordView | DeletedRecordView {
  if (after) return toRecordView(after);
  if (before) return toDeletedRecordView(before, version);
  throw new InternalError('RECORD.EMPTY_DECISION', 'a decision left no record before or after it');
}
