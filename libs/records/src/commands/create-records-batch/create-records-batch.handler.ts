import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore, StreamWrite } from '@shardline/event-store';
import { hasErrorKind } from '@shardline/errors';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../../ports/clock.port';
import { RecordStateChange } from '../../ports/record-state.port';
import { CommandOutcome } from '../command-outcome';
import { requestHashOf, storedResponseOf } from '../record-command.idempotency';
import { planStreamWrite } from '../stream-write.planner';
import { CreateRecordsBatch } from './create-records-batch.command';
import { decideCreateRecordsBatch } from './create-records-batch.decide';
import { BatchItemResult, batchOutcomeOf, BatchResult } from './create-records-batch.result';

/** The records of one batch that live on one shard: written as ONE multi-row transaction. */
interface ShardPart {
  shard: number;
  writes: StreamWrite<RecordStateChange>[];
  items: BatchItemResult[];
}

/**
 * A batch, split by shard:
 *   1. decide the batch (pure): refused whole, or one CreateRecord decision per record, each with a fresh id;
 *   2. group the decisions by shard, each record planned as a single create would be (planStreamWrite);
 *   3. write the parts in parallel. With an Idempotency-Key each part remembers its results under
 *      `${key}#shard${n}`, so a retry returns what already landed and writes only the parts that failed;
 *   4. a part whose shard is unavailable answers 503 for its records; the other parts stand (207).
 */
@CommandHandler(CreateRecordsBatch)
export class CreateRecordsBatchHandler implements ICommandHandler<CreateRecordsBatch, CommandOutcome<BatchResult>> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore<RecordStateChange>,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateRecordsBatch): Promise<CommandOutcome<BatchResult>> {
    const now = this.clock();
    const decisions = decideCreateRecordsBatch(command, () => ({ now, recordId: this.ids.next() }));
    const parts = new Map<number, ShardPart>();
    for (const decision of decisions) {
      const shard = this.router.shardFor(decision.businessId);
      const part = parts.get(shard) ?? { shard, writes: [], items: [] };
      const write = planStreamWrite(command.metadata, { ...decision, before: null });
      part.writes.push(write);
      part.items.push({ index: decision.index, status: 201, id: decision.recordId, version: write.state.record.version, business_id: decision.businessId });
      parts.set(shard, part);
    }
    const requestHash = requestHashOf(command);
    const settled = await Promise.all([...parts.values()].map((part) => this.writePart(part, command, requestHash)));
    return batchOutcomeOf(settled.flat());
  }

  private async writePart(part: ShardPart, command: CreateRecordsBatch, requestHash: string): Promise<BatchItemResult[]> {
    const { metadata: context } = command;
    const commandId = context.clientSupplied ? `${context.commandId}#shard${part.shard}` : null;
    try {
      if (commandId) {
        const stored = await this.store.findCommandResult(part.shard, commandId);
        if (stored) return storedResponseOf(stored, requestHash);
      }
      const outcome = await this.store.appendBatch({
        shard: part.shard,
        writes: part.writes,
        idempotency: commandId ? { commandId, requestHash, response: part.items } : undefined,
      });
      return outcome.kind === 'duplicate' ? storedResponseOf(outcome.stored, requestHash) : part.items;
    } catch (error) {
      // A part whose shard cannot be reached answers 503 for its records; the other parts stand.
      if (!hasErrorKind(error, 'unavailable')) throw error;
      return part.items.map((item): BatchItemResult => ({ index: item.index, status: 503, error: { code: error.code, message: error.message } }));
    }
  }
}
