import { InMemoryEventStore } from '@shardline/event-store';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { SlotMap, SlotMapShardRouter } from '@shardline/sharding';
import { CommandContext } from '../commands/command-context';
import { CreateRecordHandler } from '../commands/create-record/create-record.handler';
import { CreateRecordsBatchHandler } from '../commands/create-records-batch/create-records-batch.handler';
import { DeleteRecordHandler } from '../commands/delete-record/delete-record.handler';
import { RecordCommandRunner } from '../commands/record-command.runner';
import { UpdateRecordHandler } from '../commands/update-record/update-record.handler';
import { InMemoryRecordState } from '../in-memory/in-memory-record-state';
import { RecordCacheInvalidator } from '../ports/record-cache-invalidator.port';
import { RecordStateChange } from '../ports/record-state.port';

/** The command handlers over in-memory adapters: 4 shards, a modulo slot map, a real Snowflake generator. */
export function recordsInMemory(cache?: RecordCacheInvalidator) {
  const state = new InMemoryRecordState();
  const store = new InMemoryEventStore<RecordStateChange>(4, state);
  const router = new SlotMapShardRouter(SlotMap.modulo(4));
  const ids = new SnowflakeIdGenerator(3);
  const clock = () => new Date();
  const runner = new RecordCommandRunner(store, state, router, clock, ids, cache);
  return {
    store,
    state,
    router,
    create: new CreateRecordHandler(runner),
    update: new UpdateRecordHandler(runner),
    remove: new DeleteRecordHandler(runner),
    batch: new CreateRecordsBatchHandler(store, router, ids, clock),
  };
}

/** A command context; `clientSupplied` as with an Idempotency-Key or a Kafka command id. */
export const ctx = (commandId: string = crypto.randomUUID(), clientSupplied = false): CommandContext => ({
  commandId,
  clientSupplied,
  correlationId: 'corr',
  causationId: null,
  actor: null,
});
