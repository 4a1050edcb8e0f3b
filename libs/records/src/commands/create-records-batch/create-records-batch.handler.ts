import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppendCommand, EVENT_STORE, EventStore, ShardUnavailableError, StoredCommandResult, StreamWrite } from '@shardline/event-store';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { streamIdOf } from '../../domain/record';
import { partitionMonthOf } from '../record-partition-month';
import { FieldIssue, hasErrorKind, isShardlineError } from '@shardline/errors';
import { RecordTooLargeError } from '../../domain/record.errors';
import { ID_GENERATOR, IdGenerator } from '../../ports/clock.port';
import { RecordStateChange } from '../../ports/record-state.port';
import { decideCreateRecord } from '../create-record/create-record.decide';
import { fingerprintOf, replayOf, toAppend } from '../record-command.runner';
import { BatchItemResult, BatchResult, CreateRecordsBatch } from './create-records-batch.command';

type CreatedItem = Extract<BatchItemResult, { status: 201 }>;

/**
 * A batch is split by shard; each shard's part is ONE multi-row transaction, and the parts run in
 * parallel. Parts succeed or fail independently (a down shard answers 503 for its records only).
 * With an Idempotency-Key each part remembers its results under `${key}#shard${n}`, so a retry
 * returns what already landed and writes only the parts that failed before.
 */
@CommandHandler(CreateRecordsBatch)
export class CreateRecordsBatchHandler implements ICommandHandler<CreateRecordsBatch, BatchResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<RecordStateChange>,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(command: CreateRecordsBatch): Promise<BatchResult> {
    const { context } = command;
    const requestHash = fingerprintOf(['CreateRecordsBatch', command.records]);
    const parts = new Map<number, { writes: StreamWrite<RecordStateChange>[]; items: CreatedItem[] }>();
    const tooLarge: FieldIssue[] = [];
    command.records.forEach((input, index) => {
      const id = this.ids.next();
      try {
        const { event, state } = decideCreateRecord(input, id, `data[${index}].data_content`);
        const shard = this.router.shardFor(input.businessId);
        const part = parts.get(shard) ?? { writes: [], items: [] };
        part.writes.push({
          streamId: streamIdOf(id),
          partitionMonth: partitionMonthOf(id),
          expectedVersion: 0,
          events: [toAppend(event, context)],
          partitionKey: input.businessId,
          state: { op: 'insert', record: state },
        });
        part.items.push({ index, status: 201, id, version: 1, business_id: input.businessId });
        parts.set(shard, part);
      } catch (error) {
        if (!isShardlineError(error)) throw error;
        tooLarge.push(...error.details);
      }
    });
    // Nothing is written unless every record is acceptable.
    if (tooLarge.length > 0) throw new RecordTooLargeError(tooLarge);

    const settled = await Promise.all(
      [...parts].map(async ([shard, part]) => {
        try {
          return await this.writePart(shard, part.writes, part.items, context.clientSupplied ? `${context.commandId}#shard${shard}` : null, requestHash);
        } catch (error) {
          if (!isShardOutage(error)) throw error;
          return part.items.map((item): BatchItemResult => ({ index: item.index, status: 503, error: { code: error.code, message: error.message } }));
        }
      }),
    );
    const results = settled.flat().sort((a, b) => a.index - b.index);
    const created = results.filter((r) => r.status === 201).length;
    return { results, created, failed: results.length - created };
  }

  private async writePart(
    shard: number,
    writes: StreamWrite<RecordStateChange>[],
    items: CreatedItem[],
    commandId: string | null,
    requestHash: string,
  ): Promise<BatchItemResult[]> {
    if (commandId) {
      const stored = await this.store.findCommandResult(shard, commandId);
      if (stored) return replayPart(stored, requestHash);
    }
    const append: AppendCommand<RecordStateChange> = {
      shard,
      writes,
      idempotency: commandId ? { commandId, requestHash, response: items } : undefined,
    };
    const outcome = await this.store.appendBatch(append);
    return outcome.kind === 'duplicate' ? replayPart(outcome.stored, requestHash) : items;
  }
}

function replayPart(stored: StoredCommandResult, requestHash: string): BatchItemResult[] {
  return replayOf<BatchItemResult[]>(stored, requestHash).response;
}

/**
 * A part's shard could not be reached. The class test covers the event store's errors until they
 * are ShardlineErrors too (done on main in 842cfd4); then the kind alone decides and it can go.
 */
function isShardOutage(error: unknown): error is { code: string; message: string } {
  return hasErrorKind(error, 'unavailable') || error instanceof ShardUnavailableError;
}
