import { z } from 'zod';
import { ShardlineError } from '@shardline/errors';
import { ENVELOPE_LIMITS } from './envelope-limits';

/**
 * The versioned JSON envelope every event wears on Kafka (`records.events`) and in replays.
 * It is the contract between the relay (producer) and the projections (consumers): a consumer
 * that sees an envelope_version it does not know sends the message to the dead-letter topic
 * rather than guessing. Payload field names are snake_case like the REST API.
 *
 * (stream_id, stream_version) identifies an event for idempotency: projections write with
 * external versioning by stream_version, so a duplicate or an out-of-order delivery is harmless.
 *
 * Version 1 carries the event's data in clear (the rebuild's replay of the event tables, a relay
 * with sealing off). Version 2 is the same envelope with the personal content of `data` sealed
 * with its user's data key (sealed-envelope.ts); consumers open it back into version 1.
 */
export const ENVELOPE_VERSION = 1 as const;
export const SEALED_ENVELOPE_VERSION = 2 as const;
export type EnvelopeVersion = typeof ENVELOPE_VERSION | typeof SEALED_ENVELOPE_VERSION;

const int64String = z.string().regex(/^[1-9][0-9]{0,18}$/, 'a positive 64-bit integer as a decimal string');

export const recordEventEnvelopeSchema = z.object({
  envelope_version: z.union([z.literal(ENVELOPE_VERSION), z.literal(SEALED_ENVELOPE_VERSION)]),
  event_id: z.string().min(1).max(64),
  event_type: z.string().min(1).max(64),
  schema_version: z.number().int().min(1),
  stream_id: z.string().min(1).max(ENVELOPE_LIMITS.streamIdMaxChars),
  stream_version: z.number().int().min(1),
  /** Shard that stored the event and its per-shard position (a decimal string: 64-bit). */
  shard: z.number().int().min(0),
  position: int64String,
  business_id: z.string().min(1).max(ENVELOPE_LIMITS.businessIdMaxChars),
  user_id: int64String,
  record_id: int64String,
  /** When the event was appended (ISO 8601, UTC, millisecond precision). */
  occurred_at: z.iso.datetime(),
  command_id: z.string().min(1).max(255),
  correlation_id: z.string().min(1).max(255),
  causation_id: z.string().max(255).nullable(),
  actor: z.string().max(255).nullable(),
  data: z.record(z.string(), z.unknown()),
});

export type RecordEventEnvelope = z.infer<typeof recordEventEnvelopeSchema>;

/** A message value that is not a valid event envelope: a poison message for the projections. */
export class EnvelopeDecodeError extends ShardlineError {
  readonly code = 'ENVELOPE.INVALID';
  readonly kind = 'validation';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message, { details: issues.map((i) => ({ field: i.path, message: i.message })) });
  }
}

export function encodeEnvelope(envelope: RecordEventEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

/** Parses and validates a Kafka message value; throws EnvelopeDecodeError (a poison message). */
export function decodeEnvelope(value: Buffer | string | null | undefined): RecordEventEnvelope {
  if (value == null) throw new EnvelopeDecodeError('message has no value (tombstone)', []);
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    throw new EnvelopeDecodeError(`message value is not JSON: ${(error as Error).message}`, []);
  }
  const fast = envelopeFastPath(json);
  if (fast) return fast;
  const parsed = recordEventEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new EnvelopeDecodeError(
      `invalid event envelope: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}

const INT64_STRING = /^[1-9][0-9]{0,18}$/;
const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const text = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const int = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const int64 = (v: unknown): v is string => typeof v === 'string' && INT64_STRING.test(v);
const nullableText = (v: unknown, max: number): v is string | null => v === null || text(v, 0, max);
/** The exact form the relay writes (toISOString): a real UTC instant with milliseconds. */
const isoMillis = (v: unknown): v is string => typeof v === 'string' && ISO_MILLIS_UTC.test(v) && isCalendarTime(v);

/**
 * Whether `YYYY-MM-DDThh:mm:ss.sssZ` names a real instant: the strings that Date.parse and
 * toISOString give back unchanged (unit-tested against that round trip), read digit by digit
 * instead, since the round trip (a Date and a string per event) was a tenth of the decode.
 */
export function isCalendarTime(v: string): boolean {
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && digits(v, 11, 2) <= 23 && digits(v, 14, 2) <= 59 && digits(v, 17, 2) <= 59;
}

function digits(v: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (v.charCodeAt(i) - 48);
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The envelope, if `json` is one in the exact shape the relay writes, else null. Hand-written
 * because the schema check runs once per message per consumer group (the projector's main CPU
 * cost after JSON.parse). It must never accept what recordEventEnvelopeSchema rejects (every test
 * here is at least as strict as the schema's, e.g. occurred_at only in toISOString form); whatever
 * it does not accept goes through the schema, which decides and explains (unit-tested against it).
 * Like the schema, it returns only the known fields.
 */
export function envelopeFastPath(json: unknown): RecordEventEnvelope | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const e = json as Record<string, unknown>;
  const data = e.data;
  if (
    (e.envelope_version === ENVELOPE_VERSION || e.envelope_version === SEALED_ENVELOPE_VERSION) &&
    text(e.event_id, 1, 64) &&
    text(e.event_type, 1, 64) &&
    int(e.schema_version, 1) &&
    text(e.stream_id, 1, 96) &&
    int(e.stream_version, 1) &&
    int(e.shard, 0) &&
    int64(e.position) &&
    text(e.business_id, 1, 64) &&
    int64(e.user_id) &&
    int64(e.record_id) &&
    isoMillis(e.occurred_at) &&
    text(e.command_id, 1, 255) &&
    text(e.correlation_id, 1, 255) &&
    nullableText(e.causation_id, 255) &&
    nullableText(e.actor, 255) &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    Object.getPrototypeOf(data) === Object.prototype
  ) {
    return {
      envelope_version: e.envelope_version,
      event_id: e.event_id,
      event_type: e.event_type,
      schema_version: e.schema_version,
      stream_id: e.stream_id,
      stream_version: e.stream_version,
      shard: e.shard,
      position: e.position,
      business_id: e.business_id,
      user_id: e.user_id,
      record_id: e.record_id,
      occurred_at: e.occurred_at,
      command_id: e.command_id,
      correlation_id: e.correlation_id,
      causation_id: e.causation_id,
      actor: e.actor,
      data: data as Record<string, unknown>,
    };
  }
  return null;
}
