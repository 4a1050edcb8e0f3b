import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hasErrorCode, InternalError, ShardlineError } from '@shardline/errors';
import { freshRandomBytes } from './random-bytes-pool';
import { ENVELOPE_VERSION, SEALED_ENVELOPE_VERSION, type RecordEventEnvelope } from './record-event-envelope';

/**
 * Crypto-shredding of the Kafka copies (README "Erasure"): the relay seals the personal content of
 * every event with its user's data key before publishing, consumers open it with the same key, and
 * erasing the user forgets the key, which makes every copy on every topic unreadable at once.
 *
 * Version 2 envelope = the version-1 envelope with its PERSONAL_FIELDS taken out of `data` and
 *   data.sealed = { alg: 'A256GCM', iv, ct, tag }   (base64; 12-byte IV, 16-byte tag)
 * where ct is AES-256-GCM of the JSON object of those fields, with the envelope's
 * (stream_id, stream_version, user_id) as additional authenticated data: sealed content moved onto
 * another event or user does not open. Everything else (ids, type, times) stays in clear for
 * routing, ordering and dedup.
 */
export const PERSONAL_FIELDS = ['data_content', 'patch'] as const;

/** The event an envelope of an erased user opens as: a tombstone at its version, with no content. */
export const RECORD_ERASED = 'RecordErased';

export const SEALED_ALG = 'A256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface SealedContent {
  alg: typeof SEALED_ALG;
  iv: string;
  ct: string;
  tag: string;
}

/** A version-2 envelope that cannot be opened with the key it should open with: tampered, truncated, or moved. A poison message. */
export class SealedEnvelopeError extends ShardlineError {
  readonly code = 'ENVELOPE.SEAL_BROKEN';
  readonly kind = 'validation';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** True for the errors that make a message poison (undecodable, or sealed and not openable): dead-letter it, never retry. */
export function isPoisonEnvelopeError(error: unknown): error is ShardlineError {
  return hasErrorCode(error, 'ENVELOPE.INVALID') || hasErrorCode(error, 'ENVELOPE.SEAL_BROKEN');
}

/** Seals a version-1 envelope with its user's 32-byte data key (a fresh random IV each time). */
export function sealEnvelope(envelope: RecordEventEnvelope, key: Buffer): RecordEventEnvelope {
  if (envelope.envelope_version !== ENVELOPE_VERSION) throw new InternalError('ENVELOPE.ALREADY_SEALED', `envelope ${envelope.event_id} is version ${envelope.envelope_version}, not a plain version 1`);
  // Every published event is sealed, a content-free one too (its sealed part is `{}`): consumers see one version.
  const data = sealPersonalFields(envelope.data, key, { streamId: envelope.stream_id, streamVersion: envelope.stream_version, userId: envelope.user_id });
  return { ...envelope, envelope_version: SEALED_ENVELOPE_VERSION, data };
}

/** Where a sealed payload belongs: it opens only as this event of this user (the additional authenticated data). */
export interface SealedEventIdentity {
  streamId: string;
  streamVersion: number;
  userId: string;
}

/**
 * Seals an event's payload: its PERSONAL_FIELDS out of `data`, into data.sealed. The write path
 * seals before the append (docs/adr/0005), so the event store, Kafka and the dead letters hold the
 * same ciphertext; an envelope built from such an event is version 2 (isSealedData) and opens with
 * openEnvelope. A payload without personal fields (a deletion) is returned as it is.
 */
export function sealEventData(data: Record<string, unknown>, key: Buffer, identity: SealedEventIdentity): Record<string, unknown> {
  if (isSealedData(data) || !PERSONAL_FIELDS.some((field) => field in data)) return data;
  return sealPersonalFields(data, key, identity);
}

function sealPersonalFields(data: Record<string, unknown>, key: Buffer, identity: SealedEventIdentity): Record<string, unknown> {
  const personal: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if ((PERSONAL_FIELDS as readonly string[]).includes(field)) personal[field] = value;
    else rest[field] = value;
  }
  const iv = freshRandomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(JSON.stringify([identity.streamId, identity.streamVersion, identity.userId])));
  const ct = Buffer.concat([cipher.update(JSON.stringify(personal), 'utf8'), cipher.final()]);
  const sealed: SealedContent = { alg: SEALED_ALG, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  return { ...rest, sealed };
}

/** True when an event payload was sealed at write time (its envelope is version 2). */
export function isSealedData(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'sealed' in data;
}

/**
 * The plain (version-1) envelope: a version 1 as it is; a version 2 opened with `key`, its personal
 * fields back in `data`; with a null key (the user was erased, or is unknown) the erasure of the
 * event (erasedEnvelope). Throws SealedEnvelopeError when a key is given and the content does not
 * authenticate, or data.sealed is malformed: that is poison, never an erasure.
 */
export function openEnvelope(envelope: RecordEventEnvelope, key: Buffer | null): RecordEventEnvelope {
  if (envelope.envelope_version === ENVELOPE_VERSION) return envelope;
  const { sealed, ...rest } = envelope.data;
  const parts = sealedParts(sealed, envelope);
  const inClear = PERSONAL_FIELDS.find((field) => field in rest);
  if (inClear) throw new SealedEnvelopeError(`sealed event ${envelope.event_id} also carries ${inClear} in clear`);
  if (key === null) return erasedEnvelope(envelope);
  let personal: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey(key), parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadOf(envelope));
    decipher.setAuthTag(parts.tag);
    // GCM is a stream mode: update() gives all the plaintext and final() only checks the tag (it
    // returns nothing), so no concat (a copy of every event's content) is needed.
    const plain = decipher.update(parts.ct);
    const tail = decipher.final();
    personal = JSON.parse(tail.length === 0 ? plain.toString('utf8') : Buffer.concat([plain, tail]).toString('utf8'));
  } catch (error) {
    throw new SealedEnvelopeError(`sealed content of event ${envelope.event_id} does not open with its user's key (tampered, or sealed for another event or user)`, error);
  }
  if (typeof personal !== 'object' || personal === null || Array.isArray(personal)) throw new SealedEnvelopeError(`sealed content of event ${envelope.event_id} is not a JSON object`);
  return { ...envelope, envelope_version: ENVELOPE_VERSION, data: { ...rest, ...(personal as Record<string, unknown>) } };
}

/**
 * The event as it reads once its user is erased: type RecordErased at the SAME stream_version, data
 * without any content, so read models tombstone the record by external version and never recreate
 * its content from an older or redelivered copy.
 */
export function erasedEnvelope(envelope: RecordEventEnvelope): RecordEventEnvelope {
  return {
    ...envelope,
    envelope_version: ENVELOPE_VERSION,
    event_type: RECORD_ERASED,
    data: { id: envelope.record_id, business_id: envelope.business_id, user_id: envelope.user_id, erased: true },
  };
}

function sealedParts(sealed: unknown, envelope: RecordEventEnvelope): { iv: Buffer; ct: Buffer; tag: Buffer } {
  const s = sealed as Partial<SealedContent> | undefined;
  const parts = typeof s === 'object' && s !== null && s.alg === SEALED_ALG ? { iv: strictBase64(s.iv), ct: strictBase64(s.ct), tag: strictBase64(s.tag) } : null;
  if (!parts?.iv || !parts.ct || !parts.tag) {
    throw new SealedEnvelopeError(`event ${envelope.event_id} is a sealed envelope (version ${SEALED_ENVELOPE_VERSION}) without a valid data.sealed {alg: ${SEALED_ALG}, iv, ct, tag}`);
  }
  // A shorter tag would be accepted by the cipher and authenticate far less: refuse it.
  if (parts.iv.length !== IV_BYTES || parts.tag.length !== TAG_BYTES) throw new SealedEnvelopeError(`event ${envelope.event_id}: data.sealed needs a ${IV_BYTES}-byte iv and a ${TAG_BYTES}-byte tag`);
  return { iv: parts.iv, ct: parts.ct, tag: parts.tag };
}

/**
 * The bytes of padded base64 in the standard alphabet (what sealing writes), or null for anything
 * else. Node's decoder skips characters that are not base64 (and takes the URL alphabet's - and _),
 * so a string of the standard alphabet's characters only is exactly one that decodes to its full
 * length, 3 bytes per 4 characters less the padding. The same strings as /^[A-Za-z0-9+/]*={0,2}$/
 * with length % 4 === 0 (fuzzed against it), without that regular expression's scan of the whole
 * ciphertext: 4 µs per event, a tenth of the projector's open (bench/pipeline/README.md).
 */
export function strictBase64(value: unknown): Buffer | null {
  if (typeof value !== 'string' || value.length % 4 !== 0 || value.includes('-') || value.includes('_')) return null;
  const bytes = Buffer.from(value, 'base64');
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return bytes.length === (value.length / 4) * 3 - padding ? bytes : null;
}

function aadOf(envelope: RecordEventEnvelope): Buffer {
  return Buffer.from(JSON.stringify([envelope.stream_id, envelope.stream_version, envelope.user_id]));
}

function dataKey(key: Buffer): Buffer {
  if (key.length !== KEY_BYTES) throw new InternalError('ENVELOPE.BAD_DATA_KEY', `a data key is ${KEY_BYTES} bytes, got ${key.length}`);
  return key;
}
