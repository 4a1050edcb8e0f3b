import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { RecordNotFoundError } from '../../domain/record.errors';
import { RecordView, toRecordView } from '../../domain/record.view';
import { RECORD_STATE_READER, RecordStateReader } from '../../ports/record-state.port';
import { GetRecord } from './get-record.query';

/** Reads the owning shard's state table: an acknowledged write is always visible (same transaction). */
@QueryHandler(GetRecord)
export class GetRecordHandler implements IQueryHandler<GetRecord, RecordView> {
  constructor(
    @Inject(RECORD_STATE_READER) private readonly reader: RecordStateReader,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
  ) {}

  async execute(query: GetRecord): Promise<RecordView> {
    const state = await this.reader.get(this.router.shardFor(query.businessId), query.businessId, query.id);
    if (!state) throw new RecordNotFoundError(query.businessId, query.id);
    return toRecordView(state);
  }
}
