import { randomUUID } from 'node:crypto';
import { EventToAppend, monthKeyOf, StagedStream, StreamWrite } from '@shardline/event-store';
import { InternalError } from '@shardline/errors';
import { timeOfId } from '@shardline/ids';
import { RecordState, streamIdOf } from '../domain/record.state';
import { RecordEvent } from '../domain/record.events';
import { RecordStateChange } from '../ports/record-state.port';
import { CommandContext } from './command-context';

/** One decision about one record stream: the events decided and the states before and after them. */
export interface StreamDecision {
  businessId: string;
  recordId: string;
  events: RecordEvent[];
  before: RecordState | null;
  after: RecordState | null;
}

/**
 * Turns a decision into the write that carries it, atomically with the rest of its command: the
 * events with the command's metadata, the expected version (the state before: 0 for a new stream),
 * and the `records` row change read off the states before and after. Single commands (the runner)
 * and the records of a batch part both write through here.
 */
export function planStreamWrite(context: CommandContext, decision: StreamDecision): StreamWrite<RecordStateChange> {
  const expectedVersion = decision.before?.version ?? 0;
  return {
    streamId: streamIdOf(decision.recordId),
    partitionMonth: partitionMonthOf(decision.recordId),
    expectedVersion,
    events: decision.events.map((event) => toAppend(event, context)),
    partitionKey: decision.businessId,
    state: recordStateChangeOf(decision.before, decision.after, expectedVersion + decision.events.length),
  };
}

/**
 * The row change: a record that appears is inserted, one that stays is updated, one that goes is
 * deleted — each only if the row is still held as it was loaded (the move saga retiring its own source).
 * Also what an imported recording changes (@shardline/event-export importRecording).
 */
export function recordStateChangeOf(before: RecordState | null, after: RecordState | null, version: number): RecordStateChange {
  const held = before?.movingOutBy ? { lockedBy: before.movingOutBy } : {};
  if (after) return { op: before ? 'update' : 'insert', record: after, ...held };
  if (before) return { op: 'delete', record: { ...before, version }, ...held };
  throw new InternalError('RECORD.EMPTY_DECISION', 'a decision with events left no record before or after it');
}

/**
 * The event tables' month partition of a record's stream. Partitions are a storage decision, so
 * this lives here, beside the runner (application layer), not in domain/: the domain fact it rests
 * on is the record's creation time, which its Snowflake id carries, so the month is fixed for the
 * stream's life. The event store's port keeps taking the month on each write (its contract suite and
 * partition maintenance are built around that).
 */
export function partitionMonthOf(recordId: string): number {
  return monthKeyOf(timeOfId(recordId));
}

/** A record's stream as the event store's staged-write release and discard take it. */
export function stagedStreamOf(recordId: string, businessId: string): StagedStream {
  return { streamId: streamIdOf(recordId), partitionMonth: partitionMonthOf(recordId), partitionKey: businessId };
}

function toAppend(event: RecordEvent, context: CommandContext): EventToAppend {
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
