import { encodeEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';

/**
 * The relay reads an event's `data` and `metadata` as the JSON text the event store holds and
 * parses it here, rather than letting mysql2 parse JSON columns: with supportBigNumbers, mysql2
 * parses every JSON value that contains 16 digits in a row — every record event, whose ids have
 * 18 — with a reviver (an unsafe integer literal becomes its exact decimal string), about 4 times
 * the cost of a plain JSON.parse and the largest single item of the relay's profile
 * (bench/README.md, "the outbox relay against its raw producer").
 *
 * parseStoredJson gives the same values as mysql2 did: a plain parse, and only when that produced
 * an integer beyond 2^53 (what an integer literal of 16+ digits can turn into) the same reviver.
 */
export function parseStoredJson(text: string): unknown {
  return parsed(text).value;
}

/** The value, and whether the reviver ran (then the value may differ from the text: a big integer turned string). */
function parsed(text: string): { value: unknown; revived: boolean } {
  const value: unknown = JSON.parse(text);
  return hasUnsafeInteger(value) ? { value: JSON.parse(text, exactBigIntegers) as unknown, revived: true } : { value, revived: false };
}

/** mysql2's reviver (supportBigNumbers): an integer literal that does not fit a double exactly stays its decimal string. */
function exactBigIntegers(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source)) return context.source;
  return value;
}

function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasUnsafeInteger);
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Data objects parsed from stored text, with that text: the relay's Kafka value embeds the text
 * instead of serialising the object again (the second largest item of its profile). Keyed by the
 * object itself, so anything that derives a new data object — sealing, an erasure — has no entry
 * and is serialised as before; the objects registered are never modified (the relay only reads
 * them, and sealing builds new ones).
 */
const storedText = new WeakMap<object, string>();

/** Parses stored JSON text (as parseStoredJson) and remembers, for an object, the text it came from when serialising it again would give the same JSON. */
export function parseStoredObject(text: string): unknown {
  const { value, revived } = parsed(text);
  // Only a plain parse is the text again: a value the reviver changed (a big integer turned string) is not.
  if (!revived && typeof value === 'object' && value !== null && !Array.isArray(value)) storedText.set(value, text);
  return value;
}

/**
 * The Kafka value of an envelope: encodeEnvelope's JSON, except that a `data` parsed from stored
 * text (parseStoredObject) is written as that text instead of being serialised again. A consumer
 * parses both to the same envelope; with the event store's own text (JSON.stringify output) the
 * bytes are the same too (unit-tested). `data` goes last, where envelopeOf puts it.
 */
export function encodeRelayedEnvelope(envelope: RecordEventEnvelope): Buffer {
  const text = storedText.get(envelope.data);
  if (text === undefined) return encodeEnvelope(envelope);
  const { data: _data, ...head } = envelope;
  const json = JSON.stringify(head);
  return Buffer.from(json.length > 2 ? `${json.slice(0, -1)},"data":${text}}` : `{"data":${text}}`);
}
