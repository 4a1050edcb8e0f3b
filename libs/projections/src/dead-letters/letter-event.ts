/** What an operator recognises a letter by, read from its bytes as far as they parse. */
export interface LetterEvent {
  business_id: string | null;
  record_id: string | null;
  event_type: string | null;
  stream_version: number | null;
  envelope_version: number | null;
}

const NOTHING: LetterEvent = { business_id: null, record_id: null, event_type: null, stream_version: null, envelope_version: null };

/**
 * The identifying fields of the event a letter carries, leniently: a letter is often there because
 * its envelope is invalid, so each field is taken when it has the right type and left null
 * otherwise. These fields are never sealed (only data's personal content is).
 */
export function letterEventOf(value: Buffer | null): LetterEvent {
  if (!value) return NOTHING;
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return NOTHING;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return NOTHING;
  const e = json as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  return {
    business_id: text(e.business_id),
    record_id: text(e.record_id),
    event_type: text(e.event_type),
    stream_version: int(e.stream_version),
    envelope_version: int(e.envelope_version),
  };
}
