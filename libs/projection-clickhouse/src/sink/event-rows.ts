import { timeOfId } from '@shardline/ids';
import { characterCount, ENVELOPE_LIMITS, isCalendarTime, type RecordEventEnvelope } from '@shardline/integration-events';

/** Event types this projection understands; anything else is rejected to the dead-letter topic. */
export const RECORD_EVENT_TYPES = ['RecordCreated', 'RecordUpdated', 'RecordDeleted', 'RecordMovedIn', 'RecordMovedOut', 'RecordErased'] as const;
export type RecordEventType = (typeof RECORD_EVENT_TYPES)[number];

/**
 * Events after which the record is gone from its business, without content: a deletion, the source
 * of a move (its copy lives on in the new business as a new record, RecordMovedIn), and an erasure
 * (its user's data key is forgotten).
 */
const ENDING_TYPES: readonly string[] = ['RecordDeleted', 'RecordMovedOut', 'RecordErased'];

export interface EventRow extends Record<string, unknown> {
  business_id: string;
  occurred_at: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  event_type: RecordEventType;
  schema_version: number;
  record_id: string;
  user_id: string;
  shard: number;
  position: string;
  correlation_id: string;
  causation_id: string;
  actor: string;
  data: string;
}

export interface LatestRow extends Record<string, unknown> {
  business_id: string;
  record_id: string;
  user_id: string;
  version: number;
  deleted: 0 | 1;
  created_at: string;
  updated_at: string;
  data: string;
}

export interface MappedBatch {
  events: EventRow[];
  /** At most one row per record: the highest version seen in the batch. */
  latest: LatestRow[];
  rejected: { event: RecordEventEnvelope; reason: string }[];
}

/**
 * Turns a batch of envelopes into rows for the raw and latest tables. Pure. An envelope that can
 * never be stored (unknown type, ids outside UInt64, a time outside ClickHouse's DateTime range,
 * a missing data_content) is rejected with its reason instead; the rebuild feeds envelopes that
 * skipped the Kafka decoder's schema check, so nothing is trusted here.
 */
export function mapBatch(envelopes: readonly RecordEventEnvelope[]): MappedBatch {
  const events: EventRow[] = [];
  const latestByRecord = new Map<string, LatestRow>();
  const rejected: MappedBatch['rejected'] = [];
  for (const envelope of envelopes) {
    const problem = problemOf(envelope);
    if (problem) {
      rejected.push({ event: envelope, reason: problem });
      continue;
    }
    const row = eventRow(envelope);
    events.push(row);
    const latest = latestRow(envelope, row);
    const key = `${latest.business_id}\u0000${latest.record_id}`;
    const seen = latestByRecord.get(key);
    if (!seen || seen.version < latest.version) latestByRecord.set(key, latest);
  }
  return { events, latest: [...latestByRecord.values()], rejected };
}

const UINT64 = /^(0|[1-9][0-9]{0,19})$/;
const UINT64_MAX = 18446744073709551615n;
const MAX_DATETIME_MS = Date.UTC(2105, 11, 31, 23, 59, 59);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isUInt64(value: unknown): value is string {
  // Only a 20-digit value can pass UInt64's maximum (a BigInt per id was a cost of every event).
  return typeof value === 'string' && UINT64.test(value) && (value.length < 20 || BigInt(value) <= UINT64_MAX);
}
function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
/** Limits count characters (code points) as the write side and MySQL do, never UTF-16 units. */
function isText(value: unknown, maxChars: number, allowEmpty = false): value is string {
  // No more UTF-16 units than maxChars: no more characters either, no need to count them.
  return (
    typeof value === 'string' && (allowEmpty || value.length > 0) && value.length <= maxChars * 2 && (value.length <= maxChars || characterCount(value) <= maxChars) && !LONE_SURROGATE.test(value)
  );
}
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemOf(e: RecordEventEnvelope): string | null {
  if (!isPlainObject(e)) return 'envelope is not an object';
  if (!(RECORD_EVENT_TYPES as readonly string[]).includes(e.event_type)) return `unknown event type ${JSON.stringify(e.event_type)}`;
  if (!isText(e.business_id, ENVELOPE_LIMITS.businessIdMaxChars)) return `business_id must be 1..${ENVELOPE_LIMITS.businessIdMaxChars} characters of valid UTF-16`;
  if (!isText(e.stream_id, ENVELOPE_LIMITS.streamIdMaxChars)) return `stream_id must be 1..${ENVELOPE_LIMITS.streamIdMaxChars} characters of valid UTF-16`;
  if (!isIntIn(e.stream_version, 1, 4294967295)) return `stream_version out of range: ${String(e.stream_version)}`;
  if (!isIntIn(e.schema_version, 1, 65535)) return `schema_version out of range: ${String(e.schema_version)}`;
  if (!isIntIn(e.shard, 0, 65535)) return `shard out of range: ${String(e.shard)}`;
  if (!isUInt64(e.record_id) || e.record_id === '0') return `record_id is not a positive UInt64: ${JSON.stringify(e.record_id)}`;
  if (!isUInt64(e.user_id)) return `user_id is not a UInt64: ${JSON.stringify(e.user_id)}`;
  if (!isUInt64(e.position)) return `position is not a UInt64: ${JSON.stringify(e.position)}`;
  if (occurredMs(e.occurred_at) === null) return `occurred_at is not a time within 1970..2105: ${JSON.stringify(e.occurred_at)}`;
  for (const [name, value] of [['event_id', e.event_id], ['correlation_id', e.correlation_id], ['causation_id', e.causation_id ?? ''], ['actor', e.actor ?? ''], ['command_id', e.command_id]] as const) {
    if (!isText(value, ENVELOPE_LIMITS.metadataMaxChars, name !== 'event_id')) return `${name} must be at most ${ENVELOPE_LIMITS.metadataMaxChars} characters of valid UTF-16`;
  }
  if (!isPlainObject(e.data)) return 'data is not an object';
  if (!ENDING_TYPES.includes(e.event_type) && !isPlainObject(e.data.data_content)) return `${e.event_type} without a data_content object`;
  return null;
}

/** The time of `occurred_at` (epoch ms) if ClickHouse's DateTime can hold it (1970..2105), else null. */
function occurredMs(value: unknown): number | null {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  return at >= 0 && at <= MAX_DATETIME_MS ? at : null;
}

/** Whether the decoder's form (toISOString's: `YYYY-MM-DDThh:mm:ss.sssZ`, a real instant) names a time in 1970..2104. */
const ISO_MILLIS_UTC = /^(19[7-9]\d|20\d\d|210[0-4])-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * `occurred_at` as DateTime text: for the form the relay writes, its own digits (what Date.parse
 * and clickHouseDateTime would give back: a test holds them together), else through Date.parse.
 */
function occurredDateTime(value: string): string {
  if (ISO_MILLIS_UTC.test(value) && isCalendarTime(value)) return `${value.slice(0, 10)} ${value.slice(11, 19)}`;
  return clickHouseDateTime(occurredMs(value)!);
}

/** The last second formatted: the events of a batch fall in a few seconds, a Date and toISOString each were a cost of every event. */
let lastSecond = NaN;
let lastText = '';

/** `YYYY-MM-DD hh:mm:ss` in UTC: the DateTime text every ClickHouse version parses. */
export function clickHouseDateTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString();
    lastText = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    lastSecond = second;
  }
  return lastText;
}

function eventRow(e: RecordEventEnvelope): EventRow {
  return {
    business_id: e.business_id,
    occurred_at: occurredDateTime(e.occurred_at),
    stream_id: e.stream_id,
    stream_version: e.stream_version,
    event_id: e.event_id,
    event_type: e.event_type as RecordEventType,
    schema_version: e.schema_version,
    record_id: e.record_id,
    user_id: e.user_id,
    shard: e.shard,
    position: e.position,
    correlation_id: e.correlation_id,
    causation_id: e.causation_id ?? '',
    actor: e.actor ?? '',
    data: JSON.stringify(e.data),
  };
}

function latestRow(e: RecordEventEnvelope, row: EventRow): LatestRow {
  const deleted = ENDING_TYPES.includes(e.event_type);
  // The creation time comes from the Snowflake id, never from the event: every version of a record
  // must land in the same month partition for ReplacingMergeTree to collapse them.
  const createdMs = Math.min(Math.max(timeOfId(e.record_id).getTime(), 0), MAX_DATETIME_MS);
  return {
    business_id: e.business_id,
    record_id: e.record_id,
    user_id: e.user_id,
    version: e.stream_version,
    deleted: deleted ? 1 : 0,
    created_at: clickHouseDateTime(createdMs),
    updated_at: row.occurred_at,
    data: deleted ? '' : JSON.stringify(e.data.data_content),
  };
}
