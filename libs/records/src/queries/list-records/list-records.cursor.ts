import { isPositiveInt64 } from '@shardline/ids';
import { ValidationError } from '@shardline/errors';

/**
 * Keyset cursor: the id of the last row served. Ids are time-ordered (created_time is the id's
 * own timestamp), so "older than this id" is a stable position that concurrent inserts of newer
 * records can neither shift nor duplicate.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('v1:') ? text.slice(3) : '';
  if (!isPositiveInt64(id)) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
  return id;
}
