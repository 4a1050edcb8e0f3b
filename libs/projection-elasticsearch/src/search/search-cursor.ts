import { InvalidSearchQueryError, type RecordSearchSort } from '@shardline/read-models';

type SortValue = string | number;

interface CursorBody {
  v: 1;
  s: RecordSearchSort;
  a: SortValue[];
}

/** search_after values of the last hit, wrapped with the sort they belong to, base64url-encoded. */
export function encodeCursor(sort: RecordSearchSort, values: SortValue[]): string {
  const body: CursorBody = { v: 1, s: sort, a: values };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(cursor: string, sort: RecordSearchSort, expectedLength: number): SortValue[] {
  let body: Partial<CursorBody>;
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw new Error('not base64url');
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidSearchQueryError('search_after', 'is not a cursor returned by this API');
  }
  if (body?.v !== 1 || !Array.isArray(body.a) || body.a.length !== expectedLength || !body.a.every((x) => typeof x === 'string' || typeof x === 'number')) {
    throw new InvalidSearchQueryError('search_after', 'is not a cursor returned by this API');
  }
  if (body.s !== sort) throw new InvalidSearchQueryError('search_after', `belongs to sort ${body.s}, not ${sort}`);
  return body.a;
}
