import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RecordCommandRunner } from '../commands/record-command.runner';
import { CreateRecordHandler } from '../commands/create-record/create-record.handler';
import { CreateRecordsBatchHandler } from '../commands/create-records-batch/create-records-batch.handler';
import { UpdateRecordHandler } from '../commands/update-record/update-record.handler';
import { DeleteRecordHandler } from '../commands/delete-record/delete-record.handler';
import { MoveRecordsHandler } from '../commands/move-records/move-records.handler';
import { EraseUserHandler } from '../commands/erase-user/erase-user.handler';
import { GetRecordHandler } from '../queries/get-record/get-record.handler';
import { ListRecordsHandler } from '../queries/list-records/list-records.handler';

/**
 * The records use cases. The adapters come from `infrastructure`, a module exporting
 * EVENT_STORE, RECORD_STATE_READER, SHARD_ROUTER, CLOCK and ID_GENERATOR (MySQL or in-memory);
 * atomic batches and moves use ATOMIC_BATCHES and RECORD_MOVES when a saga module provides them.
 */
@Module({})
export class RecordsModule {
  static withInfrastructure(infrastructure: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return {
      module: RecordsModule,
      imports: [CqrsModule.forRoot(), infrastructure],
      providers: [
        RecordCommandRunner,
        CreateRecordHandler,
        CreateRecordsBatchHandler,
        UpdateRecordHandler,
        DeleteRecordHandler,
        MoveRecordsHandler,
        EraseUserHandler,
        GetRecordHandler,
        ListRecordsHandler,
      ],
      exports: [CqrsModule],
    };
  }

  /** Read-side apps (query-api): the query handlers only; needs RECORD_STATE_READER and SHARD_ROUTER. */
  static queriesWithInfrastructure(infrastructure: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return {
      module: RecordsModule,
      imports: [CqrsModule.forRoot(), infrastructure],
      providers: [GetRecordHandler, ListRecordsHandler],
      exports: [CqrsModule],
    };
  }
}
