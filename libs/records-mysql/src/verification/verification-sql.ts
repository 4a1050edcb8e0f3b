import { SNOWFLAKE_EPOCH_MS } from '@shardline/ids';
import { idRange, type Slice, type SlicePlan } from '@shardline/reconciliation';

/** Events after which a record is gone (always the last of its stream). */
export const DELETING_EVENT_TYPES = ['RecordDeleted', 'RecordMovedOut', 'RecordErased'] as const;
export const IS_DELETING = `event_type IN (${DELETING_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})`;
const STREAM_PREFIX = 'record-';
/** The record id of a `record-<id>` stream, as a number MariaDB can shift. */
export const STREAM_RECORD_ID = `CAST(SUBSTRING(stream_id, ${STREAM_PREFIX.length + 1}) AS UNSIGNED)`;

/**
 * H(stream, version, deleted): the first 64 bits of MD5("<stream_id>:<version>:<0|1>") as an
 * unsigned integer — the same number as ClickHouse's halfMD5 of that string (see the digest docs in
 * @shardline/reconciliation). `deleted` is an SQL expression giving '0' or '1'.
 */
export function hashSql(stream: string, version: string, deleted: string): string {
  return `CAST(CONV(LEFT(MD5(CONCAT(${stream}, ':', ${version}, ':', ${deleted})), 16), 16, 10) AS UNSIGNED)`;
}

/** Child index of a record id under a plan: ((id >> 22) + epoch - from) DIV width. */
export function childIndexSql(recordId: string, plan: SlicePlan): string {
  return `(((${recordId} >> 22) + ${SNOWFLAKE_EPOCH_MS - plan.slice.fromMs}) DIV ${plan.widthMs})`;
}

/**
 * The events of a slice of one month partition. A whole month is its partition (pruned by
 * month_key); a smaller slice adds a range on stream_id, which the (stream_id, …) key serves when
 * both ends have the same number of digits (string order = numeric order among equally long ids;
 * the length test keeps other lengths out); the numeric test is what decides.
 */
export function eventsOfSlice(slice: Slice, wholeMonth: boolean): string {
  const where = [`month_key = ${slice.month}`];
  if (!wholeMonth) {
    const { lo, hi } = idRange(slice);
    const first = lo.toString();
    const last = (hi - 1n).toString();
    if (first.length === last.length) {
      where.push(`stream_id BETWEEN '${STREAM_PREFIX}${first}' AND '${STREAM_PREFIX}${last}'`, `CHAR_LENGTH(stream_id) = ${STREAM_PREFIX.length + first.length}`);
    }
    where.push(`${STREAM_RECORD_ID} >= ${first}`, `${STREAM_RECORD_ID} < ${hi.toString()}`);
  }
  return where.join(' AND ');
}

/** The `records` rows of a slice: a primary-key range. */
export function recordsOfSlice(slice: Slice): string {
  const { lo, hi } = idRange(slice);
  return `id >= ${lo.toString()} AND id < ${hi.toString()}`;
}

/** Decimal record ids only (they are inlined into SQL). */
export function assertRecordIds(ids: readonly string[]): void {
  for (const id of ids) if (!/^[0-9]{1,20}$/.test(id)) throw new RangeError(`not a record id: ${JSON.stringify(id)}`);
}

export function chunked<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
