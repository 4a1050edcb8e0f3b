import { SLOT_COUNT } from '../slot-map';

/**
 * "The rows of these slots" on a shard (docs/adr/0008 4.2–4.5), for everything that reads, counts,
 * copies or deletes a moving slot's rows.
 *
 * Every writer stores the slot in the row (`events.slot`, `records.slot`, shard migration 0010), and
 * the indexes (slot, position) and (slot, id) find a slot's rows without reading the others. Rows
 * written before that migration carry NULL until `ops-cli slots backfill` fills them; their slot is
 * computed as before, exactly as `slotOf` computes it in Node (crc32 of the business id's UTF-8
 * bytes, modulo 4096; an event's business id is in `data`, always in clear: ADR 0005). So each
 * predicate reads the slots' index ranges plus the NULL range with the expression: correct on a
 * shard not yet back-filled (the NULL range is then the whole table, the old cost), an empty range
 * once it is.
 */
export const EVENT_SLOT_OF_DATA = `CRC32(JSON_VALUE(data, '$.business_id')) % ${SLOT_COUNT}`;
export const RECORD_SLOT_OF_BUSINESS = `CRC32(business_id) % ${SLOT_COUNT}`;

/** The slot of an `events` row: its column, else computed (COALESCE evaluates the expression only for NULL). */
export const EVENT_SLOT = `COALESCE(slot, ${EVENT_SLOT_OF_DATA})`;
/** The slot of a `records` row: its column, else computed. */
export const RECORD_SLOT = `COALESCE(slot, ${RECORD_SLOT_OF_BUSINESS})`;

/** The slots as a sorted, de-duplicated SQL list (validated: these go into SQL text). */
export function slotList(slots: readonly number[]): string {
  if (slots.length === 0) throw new RangeError('no slots');
  for (const slot of slots) if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`not a slot: ${slot}`);
  return [...new Set(slots)].sort((a, b) => a - b).join(',');
}

/** `events` rows of the slots: index ranges of the slots, plus the NULL range filtered by the expression. */
export function eventsOfSlots(slots: readonly number[]): string {
  const list = slotList(slots);
  return `(slot IN (${list}) OR (slot IS NULL AND ${EVENT_SLOT_OF_DATA} IN (${list})))`;
}

/** `records` rows of the slots, as eventsOfSlots. */
export function recordsOfSlots(slots: readonly number[]): string {
  const list = slotList(slots);
  return `(slot IN (${list}) OR (slot IS NULL AND ${RECORD_SLOT_OF_BUSINESS} IN (${list})))`;
}
