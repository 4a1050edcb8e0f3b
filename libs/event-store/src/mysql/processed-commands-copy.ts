import type { Knex } from 'knex';

/**
 * Idempotency-Keys of moving slots, copied from the old owner to the new one (docs/adr/0008 4.8), in
 * bounded chunks the slot-move saga runs one per job (a crash re-copies at most one chunk; keys never
 * change, so `INSERT IGNORE` makes a re-copy harmless).
 *
 * A pass visits the slots one at a time, ascending, each in (created_time, command_id) order straight
 * off idx_slot_created (shard migration 0008), then the keys without a slot (slot NULL: batch parts
 * spanning slots, keys stored before the column existed). Of those, a key is copied when its stored
 * result names a business of a moving slot: a batch part's items (`[{ business_id, … }]`) or a single
 * command's record (`{ business_id, … }`). The test runs on the source server, so only matching
 * results cross the wire; the scan of a chunk is bounded by `chunkRows` rows whatever matches.
 *
 * Catch-up: keys are stamped with the writer's clock before they commit, so a later pass starts from
 * `since` = the previous pass's start minus a settle window (lock wait + query timeout, as the event
 * catch-up), re-copying the recent keys (harmless) and finding those that committed late. Such a pass
 * reads every slot of the group in ONE query (`slot IN (…)`, a range of idx_slot_created per slot,
 * the window's few rows sorted): the final pass runs inside the cutover's pause, and one query per
 * slot (a group is up to 256) cost 0.25–0.9 s of it (bench:reshard, 2026-12-03). After the
 * cutover's revoke nothing more commits for the slots on the source (slot keys, batch parts holding
 * them and no-op keys of their businesses are fenced), so the final pass is complete.
 */
export interface ProcessedCommandsCopyCursor {
  /** The slot this pass is in; null once the slots are done and the keys without a slot are read. */
  slot: number | null;
  /** The last key read in that phase (created_time as ISO text, so the cursor is plain JSON for the saga). */
  after: { createdTime: string; commandId: string } | null;
  /** Keys first answered before this (ISO) are not read: null for the backfill, a time for a catch-up pass. */
  since: string | null;
  done: boolean;
  /** Every slot in one phase (a `since` pass: the window is small); `slot` is then the first slot until that phase ends. */
  together?: boolean;
}

export interface ProcessedCommandsCopyOptions {
  /** Most rows read from the source per call (default 1,000). */
  chunkRows?: number;
}

export interface ProcessedCommandsCopyStep {
  cursor: ProcessedCommandsCopyCursor;
  /** Keys inserted on the target (already present ones, from an earlier chunk or a re-run, not counted). */
  copied: number;
  /** Rows read from the source in this call. */
  read: number;
}

const DEFAULT_CHUNK_ROWS = 1_000;

/** Where a pass over `slots` starts; `since` for a catch-up pass (see above). */
export function processedCommandsCopyStart(slots: readonly number[], since: Date | null = null): ProcessedCommandsCopyCursor {
  const first = [...slots].sort((a, b) => a - b)[0];
  return { slot: first ?? null, after: null, since: since ? since.toISOString() : null, done: false, ...(since ? { together: true } : {}) };
}

interface KeyRow {
  command_id: string;
  request_hash: string;
  response: unknown;
  created_time: Date;
  slot: number | null;
}

/**
 * Copies the next chunk (at most `chunkRows` source rows read, across phases) and returns where the
 * pass stands. Call again with the returned cursor until `done`.
 */
export async function copyProcessedCommandsOfSlots(
  source: Knex,
  target: Knex,
  slots: readonly number[],
  cursor: ProcessedCommandsCopyCursor,
  options: ProcessedCommandsCopyOptions = {},
): Promise<ProcessedCommandsCopyStep> {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  for (const slot of sorted) if (!Number.isInteger(slot) || slot < 0) throw new RangeError(`not a slot: ${slot}`);
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  let position = cursor;
  let read = 0;
  let copied = 0;
  while (!position.done && read < chunkRows) {
    const limit = chunkRows - read;
    const rows =
      position.slot === null ? await keysWithoutSlot(source, sorted, position, limit) : await keysOfSlots(source, position.together ? sorted : [position.slot], position, limit);
    read += rows.length;
    copied += await insertKeys(target, rows.filter((r) => r.response !== null));
    const last = rows[rows.length - 1];
    if (rows.length === limit && last) {
      position = { ...position, after: { createdTime: last.created_time.toISOString(), commandId: last.command_id } };
    } else {
      position = nextPhase(sorted, position);
    }
  }
  return { cursor: position, copied, read };
}

function nextPhase(slots: readonly number[], cursor: ProcessedCommandsCopyCursor): ProcessedCommandsCopyCursor {
  if (cursor.slot === null) return { ...cursor, after: null, done: true };
  if (cursor.together) return { ...cursor, slot: null, after: null };
  const next = slots.find((slot) => slot > (cursor.slot as number));
  return { ...cursor, slot: next ?? null, after: null };
}

function keysOfSlots(db: Knex, slots: readonly number[], cursor: ProcessedCommandsCopyCursor, limit: number): Promise<KeyRow[]> {
  const query = slots.length === 1 ? db('processed_commands').where({ slot: slots[0] }) : db('processed_commands').whereIn('slot', [...slots]);
  return ordered(query, cursor, limit).select('command_id', 'request_hash', 'response', 'created_time', 'slot').then(parsedRows);
}

/**
 * Keys without a slot, each with its result when the result names a business of the slots (else
 * NULL, and the row is only stepped over). JSON_TABLE reads a batch part's items; JSON_VALUE a
 * single command's record. CRC32(…) % 4096 is slotOf (libs/sharding).
 */
function keysWithoutSlot(db: Knex, slots: readonly number[], cursor: ProcessedCommandsCopyCursor, limit: number): Promise<KeyRow[]> {
  const inSlots = `IN (${slots.join(',')})`;
  const names =
    `(CRC32(JSON_VALUE(response, '$.business_id')) % 4096 ${inSlots} OR EXISTS (SELECT 1 FROM JSON_TABLE(response, '$[*]' ` +
    `COLUMNS (business_id VARCHAR(64) PATH '$.business_id')) AS item WHERE CRC32(item.business_id) % 4096 ${inSlots}))`;
  const query = db('processed_commands').whereNull('slot');
  return ordered(query, cursor, limit)
    .select('command_id', 'request_hash', 'created_time', 'slot', db.raw(`CASE WHEN ${slots.length > 0 ? names : 'FALSE'} THEN response END AS response`))
    .then(parsedRows);
}

/** The rows after the cursor (and from `since`), in (created_time, command_id) order: a range of idx_slot_created. */
function ordered(query: Knex.QueryBuilder, cursor: ProcessedCommandsCopyCursor, limit: number): Knex.QueryBuilder {
  if (cursor.since) query.where('created_time', '>=', new Date(cursor.since));
  const after = cursor.after;
  if (after) {
    const time = new Date(after.createdTime);
    query.where((q) => q.where('created_time', '>', time).orWhere((same) => same.where('created_time', '=', time).andWhere('command_id', '>', after.commandId)));
  }
  return query.orderBy([{ column: 'created_time' }, { column: 'command_id' }]).limit(limit);
}

function parsedRows(rows: Array<Record<string, unknown>>): KeyRow[] {
  return rows.map((r) => ({
    command_id: String(r.command_id),
    request_hash: String(r.request_hash),
    response: r.response ?? null,
    created_time: r.created_time as Date,
    slot: r.slot === null || r.slot === undefined ? null : Number(r.slot),
  }));
}

/** INSERT IGNORE: a key already on the target (a re-copied chunk, a retry answered there) stays as it is. */
async function insertKeys(target: Knex, rows: KeyRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows.map(() => '(?, ?, ?, ?, ?)').join(', ');
  const params = rows.flatMap((r) => [r.command_id, r.request_hash, typeof r.response === 'string' ? r.response : JSON.stringify(r.response), r.created_time, r.slot]);
  const [result] = await target.raw(`INSERT IGNORE INTO processed_commands (command_id, request_hash, response, created_time, slot) VALUES ${values}`, params);
  return Number((result as { affectedRows?: number }).affectedRows ?? 0);
}

/**
 * Deletes one chunk of the slots' keys (the target's copy on a rollback, the source's on cleanup).
 * Only slot-keyed rows: keys without a slot (batch parts spanning slots) stay. That is safe: a part
 * answers only for the records a retry routes to the shard holding it, which are the part's records
 * of slots that shard owns (a copy left on a rolled-back target answers nothing until the slot really
 * moves there, and then it is right again); the rest expire with retention. Returns the rows deleted;
 * fewer than `chunkRows` means done.
 */
export async function deleteProcessedCommandsOfSlots(db: Knex, slots: readonly number[], options: ProcessedCommandsCopyOptions = {}): Promise<number> {
  if (slots.length === 0) return 0;
  for (const slot of slots) if (!Number.isInteger(slot) || slot < 0) throw new RangeError(`not a slot: ${slot}`);
  const [result] = await db.raw(`DELETE FROM processed_commands WHERE slot IN (${slots.join(',')}) LIMIT ?`, [options.chunkRows ?? DEFAULT_CHUNK_ROWS]);
  return Number((result as { affectedRows?: number }).affectedRows ?? 0);
}
