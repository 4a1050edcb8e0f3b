import { RecordLimits } from './record.limits';
import { RecordTooLargeError } from './record.errors';
import { RecordFields } from './record.fields';

/** Enforces the data_content size limit on its UTF-8 JSON encoding (what is stored). */
export function assertDataContentSize(dataContent: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(dataContent), 'utf8');
  if (bytes > RecordLimits.dataContentMaxBytes) {
    throw new RecordTooLargeError([{ field: RecordFields.dataContent, message: `is ${bytes} bytes of JSON; the limit is ${RecordLimits.dataContentMaxBytes}` }]);
  }
}
