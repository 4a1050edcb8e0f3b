import { decodeEnvelope, isSealedData, openEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import { statusOf, type EnvelopeKeys, type LetterStatus, type ResendEntry, type StoredDeadLetter } from '@shardline/projections';
import type { DlqContext } from './dlq-context';

export interface DlqInspectResult {
  id: string;
  topic: string;
  stored_at: string;
  status: LetterStatus;
  /** The resend run that settled it, if one did. */
  resent: ResendEntry | null;
  projection: string;
  kind: string;
  reason: string;
  failed_at: string | null;
  source: StoredDeadLetter['source'];
  resend_of: string | null;
  key: string | null;
  /** Size of the original message value (the bytes a resend delivers again). */
  value_bytes: number;
  headers: Record<string, string>;
  /** The envelope as it decodes, its sealed content shown only as sealed. */
  envelope: RecordEventEnvelope | null;
  /** Why the bytes do not decode, when they do not. */
  envelope_error: string | null;
  /** The start of the bytes when they do not decode (what a decode letter actually holds). */
  value_preview: string | null;
  /** With --open: the personal content opened with its user's key, or why not. */
  opened?: { data: Record<string, unknown> } | { erased: true } | { unopenable: string };
}

/**
 * `dlq inspect <id>`: the whole letter. Sealed content (envelope version 2) stays sealed unless
 * --open asks for it with the user's data key (looked up as the projector does; the key itself is
 * never printed). An erased user's content cannot be opened by anyone: it shows as erased.
 */
export async function dlqInspect(context: DlqContext, id: string, keys: EnvelopeKeys | null): Promise<DlqInspectResult | { id: string; missing: string }> {
  const letter = await context.letters.read(id);
  if ('missing' in letter) return { id, missing: letter.missing };
  const entry = (await context.ledger.entries()).get(letter.id);
  let envelope: RecordEventEnvelope | null = null;
  let envelopeError: string | null = null;
  try {
    envelope = decodeEnvelope(letter.value);
  } catch (error) {
    envelopeError = (error as Error).message;
  }
  const result: DlqInspectResult = {
    id: letter.id,
    topic: context.config.topics.deadLetter,
    stored_at: letter.storedAt,
    status: statusOf(entry),
    resent: entry ?? null,
    projection: letter.projection,
    kind: letter.kind,
    reason: letter.reason,
    failed_at: letter.failedAt,
    source: letter.source,
    resend_of: letter.resendOf,
    key: letter.key?.toString('utf8') ?? null,
    value_bytes: letter.value?.length ?? 0,
    headers: letter.headers,
    envelope: envelope && sealedShownAsSealed(envelope),
    envelope_error: envelopeError,
    value_preview: envelope || !letter.value ? null : preview(letter.value),
  };
  if (keys && envelope) result.opened = await opened(envelope, keys);
  return result;
}

/** The envelope with data.sealed replaced by a note of what it is: no ciphertext, iv or tag on screen. */
function sealedShownAsSealed(envelope: RecordEventEnvelope): RecordEventEnvelope {
  if (!isSealedData(envelope.data)) return envelope;
  const { sealed, ...rest } = envelope.data as { sealed: { alg?: string; ct?: string } };
  const bytes = typeof sealed?.ct === 'string' ? Buffer.from(sealed.ct, 'base64').length : 0;
  return { ...envelope, data: { ...rest, sealed: `(sealed ${sealed?.alg ?? '?'}: ${bytes} bytes of personal content; dlq inspect --open to read it)` } };
}

async function opened(envelope: RecordEventEnvelope, keys: EnvelopeKeys): Promise<NonNullable<DlqInspectResult['opened']>> {
  if (!isSealedData(envelope.data)) return { data: envelope.data };
  const key = (await keys.existingKeys([envelope.user_id])).get(envelope.user_id) ?? null;
  if (key === null) return { erased: true };
  try {
    return { data: openEnvelope(envelope, key).data };
  } catch (error) {
    return { unopenable: (error as Error).message };
  }
}

function preview(value: Buffer): string {
  const text = value.subarray(0, 512).toString('utf8');
  return value.length > 512 ? `${text}…` : text;
}
