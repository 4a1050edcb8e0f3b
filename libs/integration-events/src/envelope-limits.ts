/**
 * Lengths of the envelope's text fields, in characters (Unicode code points): what MySQL's utf8mb4
 * VARCHAR(n) and zod's max() count. Every producer and consumer checks against these, so a value
 * the write side accepted is never refused by a read model (a business_id of 33 emoji is 33
 * characters, 66 UTF-16 units: JavaScript's .length must not be used for these limits).
 */
export const ENVELOPE_LIMITS = {
  businessIdMaxChars: 64,
  streamIdMaxChars: 96,
  metadataMaxChars: 255,
} as const;

/** Characters of a string as the limits count them: code points, not UTF-16 units. */
export function characterCount(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}
