import { RecordTooLargeError } from './record.errors';
import { RecordFields } from './record.fields';

/** Input limits, enforced at the edge and re-checked by the decisions. Documented in README "Limits". */
export const RecordLimits = {
  businessIdMaxLength: 64,
  dataContentMaxBytes: 64 * 1024,
  batchMaxRecords: 10_000,
  /** Records one move (the move-records saga) takes from one business to another. */
  moveMaxRecords: 10_000,
  pageMaxSize: 100,
  /** page_num paging is allowed only while page_num * page_size stays this shallow. */
  pageNumMaxOffset: 1_000,
} as const;

/** Enforces the data_content size limit on its UTF-8 JSON encoding (what is stored). */
export function assertDataContentSize(dataContent: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(dataContent), 'utf8');
  if (bytes > RecordLimits.dataContentMaxBytes) {
    throw new RecordTooLargeError([{ field: RecordFields.dataContent, message: `is ${bytes} bytes of JSON; the limit is ${RecordLimits.dataContentMaxBytes}` }]);
  }
}
