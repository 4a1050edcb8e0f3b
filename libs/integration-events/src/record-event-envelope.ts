import { z } from 'zod';

/**
 * The versioned JSON envelope every event wears on Kafka (`records.events`) and in replays.
 * It is the contract between the relay (producer) and the projections (consumers): a consumer
 * that sees an envelope_version it does not know sends the message to the dead-letter topic
 * rather than guessing. Payload field names are snake_case like the REST API.
 *
 * (stream_id, stream_version) identifies an event for idempotency: projections write with
 * external versioning by stream_version, so a duplicate or an out-of-order delivery is harmless.
 */
export const ENVELOPE_VERSION = 1 as const;

const int64String = z.string().regex(/^[1-9][0-9]{0,18}$/, 'a positive 64-bit integer as a decimal string');

export const recordEventEnvelopeSchema = z.object({
  envelope_version: z.literal(ENVELOPE_VERSION),
  event_id: z.string().min(1).max(64),
  event_type: z.string().min(1).max(64),
  schema_version: z.number().int().min(1),
  stream_id: z.string().min(1).max(96),
  stream_version: z.number().int().min(1),
  /** Shard that stored the event and its per-shard position (a decimal string: 64-bit). */
  shard: z.number().int().min(0),
  position: int64String,
  business_id: z.string().min(1).max(64),
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

export class EnvelopeDecodeError extends Error {
  readonly code = 'ENVELOPE.INVALID';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'EnvelopeDecodeError';
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
