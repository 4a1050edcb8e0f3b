import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ValidationError } from '@shardline/errors';
import { SHARD_ROUTER, ShardRouter } from '@shardline/sharding';
import { RecordLimits } from '../../domain/record.limits';
import { RecordView, toRecordView } from '../../domain/record.view';
import { RECORD_STATE_READER, RecordStateReader } from '../../ports/record-state.port';
import { decodeCursor, encodeCursor } from './list-records.cursor';
import { ListRecords } from './list-records.query';

export interface RecordPage {
  data: RecordView[];
  page_size: number;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/**
 * Newest-first pages. A business lives on one shard; a user_id alone can be on all of them, so
 * that page is merged across shards by (created_time, id).
 */
@QueryHandler(ListRecords)
export class ListRecordsHandler implements IQueryHandler<ListRecords, RecordPage> {
  constructor(
    @Inject(RECORD_STATE_READER) private readonly reader: RecordStateReader,
    @Inject(SHARD_ROUTER) private readonly router: ShardRouter,
  ) {}

  async execute(query: ListRecords): Promise<RecordPage> {
    const { filter, pageSize } = query;
    if (!filter.businessId && !filter.userId) {
      throw new ValidationError([{ field: 'business_id', message: 'business_id or user_id is required' }]);
    }
    if (query.cursor && query.pageNum) {
      throw new ValidationError([{ field: 'page_num', message: 'use either cursor or page_num, not both' }]);
    }
    const offset = query.pageNum ? (query.pageNum - 1) * pageSize : 0;
    if (offset > RecordLimits.pageNumMaxOffset) {
      throw new ValidationError([
        {
          field: 'page_num',
          message: `page_num paging is limited to the first ${RecordLimits.pageNumMaxOffset} rows; follow next_cursor for deeper pages`,
        },
      ]);
    }
    const beforeId = query.cursor ? decodeCursor(query.cursor) : null;
    const shards = filter.businessId
      ? [this.router.shardFor(filter.businessId)]
      : Array.from({ length: this.router.shardCount }, (_, i) => i);
    const rows = await this.reader.page(shards, filter, beforeId, pageSize + 1, offset);
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      data: page.map(toRecordView),
      page_size: pageSize,
      next_cursor: rows.length > pageSize && last ? encodeCursor(last.id) : null,
    };
  }
}
