/**
 * A reason with its per-event particulars blanked, so that letters rejected for the same cause
 * count together: `record_id is not a positive UInt64: "x1"` and `…: "y2"` are one pattern.
 * Blanks quoted text, bracketed positions (`[1:62]`), UUIDs and numbers of 4 digits or more
 * (ids, offsets, byte counts); keeps field names, types and short numbers (`64 characters`).
 */
export function reasonPattern(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/\[\d+:\d+\]/g, '[…]')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\d{4,}/g, 'N')
    .trim();
}
