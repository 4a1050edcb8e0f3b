import { InternalError } from '@shardline/errors';
import type { StoredEvent } from '@shardline/event-store';
import { guardShard } from '@shardline/event-store/mysql';
import { SLOT_COUNT } from '@shardline/sharding';
import { heldSlots, type ShardDatabases } from '@shardline/sharding/mysql';
import type { OutboxBacklog, OutboxEntry, OutboxSource } from '../outbox-relay.ports';
import { parseStoredJson, parseStoredObject } from '../stored-json';

export interface MysqlOutboxSourceOptions {
  /**
   * The backlog is counted exactly up to this many rows (a bounded index scan); beyond it,
   * max(id) - min(id) + 1 is reported as an estimate (two primary-key probes), so measuring a
   * backlog of millions of rows while Kafka is down costs no more than measuring a small one.
   */
  backlogCountCap: number;
}

/** Outbox ids are inlined as integer literals (validated): exact for 64-bit values, no string comparisons. */
const OUTBOX_ID = /^[0-9]{1,20}$/;
/**
 * The columns of a read, as arrays (rowsAsArray: no object with named keys per row). data and
 * metadata are CAST to text so that mysql2 hands over the stored JSON as a string (its own parse of
 * JSON columns runs a reviver on every value with 16 digits in a row: see stored-json.ts); the
 * relay parses it once and embeds `data`'s text in the Kafka value.
 */
const READ_COLUMNS = `o.id, CRC32(o.partition_key) % ${SLOT_COUNT}, e.position, e.stream_id, e.stream_version, e.event_type, e.schema_version,
                CAST(e.data AS CHAR), CAST(e.metadata AS CHAR), e.created_time`;
type ReadRow = [held: string | null, outboxId: string, slot: number, position: string, streamId: string, streamVersion: number, type: string, schemaVersion: number, data: string, metadata: string, createdTime: Date];

/**
 * A shard's outbox joined with its events.
 *
 * The read walks the outbox primary key in id order and fetches each event through the unique key
 * uq_stream_version (stream_id, stream_version, month_key) — EXPLAIN: outbox `index` on PRIMARY
 * with the LIMIT, events `eq_ref` on uq_stream_version; the key holds the partitioning column, so
 * each probe touches one partition. It is a plain consistent read: it neither waits for nor locks
 * rows of transactions still in flight — those rows are simply not visible yet and are picked up
 * by a later read (see ShardRelay for why that keeps order and loses nothing).
 *
 * Publish hold (docs/adr/0008 4.6): rows of slots whose `owned_slots.publish_hold` is set (a slot
 * just moved here whose old owner may still hold unpublished rows) are not returned; they stay in
 * the outbox and come back, in id order, on the first read after the hand-off cleared the hold.
 * The held set is read IN THE SAME STATEMENT as the rows (one read view): a row of a slot is only
 * written here after the grant that set its hold committed (the fence reads that row), so a row
 * the read sees always comes with its hold. A held set read before the rows could miss a grant
 * committed in between and publish a row too early; one cached with a TTL likewise. When nothing
 * is held (the normal state) the statement's only extra work is one empty range read of
 * idx_publish_hold per poll, and the rows carry no predicate at all; the held set seen by one read
 * becomes the SQL filter of the next (so held rows do not fill the batch), and every row is
 * checked again against the set its own statement saw.
 */
export class MysqlOutboxSource implements OutboxSource {
  /** Held slots the last read saw: the next read filters them out in SQL. */
  private held: readonly number[] = [];
  /** The last read found no row: the next one probes first (see readBatch). */
  private idle = false;

  constructor(
    private readonly databases: ShardDatabases,
    readonly shard: number,
    private readonly options: MysqlOutboxSourceOptions = { backlogCountCap: 100_000 },
  ) {}

  async readBatch(limit: number): Promise<OutboxEntry[]> {
    const skipHeld = this.held.length > 0 ? `WHERE CRC32(o.partition_key) % ${SLOT_COUNT} NOT IN (${this.held.join(',')})` : '';
    const db = this.databases.shard(this.shard);
    // Most polls find the outbox empty (the idle backoff between bursts). After an empty read, and
    // with nothing held, a one-column probe of the primary key answers "anything there?" first: the
    // read itself (a join, the held-slots subquery, eleven columns of result metadata) only runs
    // when there is a row. The probe decides nothing else — a row committed just after it is read by
    // the next poll, as it would be after an empty read.
    if (this.idle && this.held.length === 0) {
      const [probe] = await guardShard(this.shard, () => db.raw('SELECT 1 FROM outbox LIMIT 1').options({ rowsAsArray: true }));
      if ((probe as unknown[]).length === 0) return [];
    }
    const [rows] = await guardShard(this.shard, () =>
      db
        .raw(
          `SELECT (SELECT GROUP_CONCAT(slot) FROM owned_slots WHERE publish_hold = 1), ${READ_COLUMNS}
             FROM outbox o
             JOIN events e ON e.stream_id = o.stream_id AND e.stream_version = o.stream_version AND e.month_key = o.month_key
            ${skipHeld}
            ORDER BY o.id
            LIMIT ?`,
          [limit],
        )
        .options({ rowsAsArray: true }),
    );
    const read = rows as ReadRow[];
    this.idle = read.length === 0;
    if (read.length > 0) {
      this.held = slotsOf(read[0][0]);
    } else if (this.held.length > 0) {
      // Nothing came back to carry the held set, and our filter may hide rows of a hold cleared
      // since: read the set on its own (only while something was held, so never in the normal state).
      this.held = await guardShard(this.shard, () => heldSlots(db));
    }
    const holding = read.length > 0 && read[0][0] !== null ? new Set(slotsOf(read[0][0])) : null;
    const entries: OutboxEntry[] = [];
    for (const row of read) {
      if (holding?.has(Number(row[2]))) continue;
      entries.push({ outboxId: String(row[1]), event: this.eventOf(row) });
    }
    return entries;
  }

  private eventOf(row: ReadRow): StoredEvent {
    return {
      shard: this.shard,
      position: String(row[3]),
      streamId: row[4],
      streamVersion: Number(row[5]),
      type: row[6],
      schemaVersion: Number(row[7]),
      data: parseStoredObject(row[8]),
      metadata: parseStoredJson(row[9]) as StoredEvent['metadata'],
      createdTime: row[10],
    };
  }

  /** Slots the last read held back (0 in the normal state; the relay's shardline_relay_held_slots). */
  heldSlotCount(): number {
    return this.held.length;
  }

  /**
   * Deletes exactly the published rows, by primary-key lookups driven from the ids
   * (STRAIGHT_JOIN fixes that join order). A plain `DELETE ... WHERE id IN (...)` is not enough:
   * on a small outbox (the normal, drained state) the optimizer prefers a full scan, and a
   * scanning DELETE waits for the lock of every row it passes — including a row whose transaction
   * is still open — stalling the relay behind any slow writer (found by the late-commit test).
   * eq_ref lookups of committed rows take record locks on those rows only: no gap locks, no waits
   * for in-flight inserts, no blocking of writers. A range (`id BETWEEN`) would be no better: it
   * scans, and a row of the range the read did not see (held, or committed since) would go unpublished.
   *
   * The ids come as runs of consecutive ids (a batch is usually one run; gaps are held rows or
   * ids not committed at the read), each run a MariaDB sequence table `seq_<first>_to_<last>`
   * (the Sequence engine, built in): every id of a run is a row we published, so the lookups are
   * exactly the published ids, in a statement of a few dozen bytes per run instead of a
   * `SELECT <id>` per row (which MariaDB parsed as one UNION member per row).
   */
  async remove(outboxIds: string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    const runs = runsOf(outboxIds);
    const published =
      runs.length === 1 ? `seq_${runs[0][0]}_to_${runs[0][1]}` : `(${runs.map(([first, last]) => `SELECT seq FROM seq_${first}_to_${last}`).join(' UNION ALL ')})`;
    await guardShard(this.shard, () => this.databases.shard(this.shard).raw(`DELETE o FROM ${published} AS published STRAIGHT_JOIN outbox AS o ON o.id = published.seq`));
  }

  async ping(): Promise<boolean> {
    return this.databases
      .shard(this.shard)
      .raw('SELECT 1')
      .then(
        () => true,
        () => false,
      );
  }

  async backlog(): Promise<OutboxBacklog> {
    const cap = this.options.backlogCountCap;
    const [rows] = await guardShard(this.shard, () =>
      this.databases.shard(this.shard).raw(
        `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM outbox LIMIT ?) capped) AS counted,
                (SELECT MAX(id) - MIN(id) + 1 FROM outbox) AS span,
                (SELECT created_time FROM outbox ORDER BY id LIMIT 1) AS oldest`,
        [cap],
      ),
    );
    const row = (rows as Array<{ counted: string | number; span: string | number | null; oldest: Date | null }>)[0];
    const counted = Number(row.counted);
    const estimated = counted >= cap;
    return {
      rows: estimated ? Number(row.span ?? counted) : counted,
      estimated,
      oldestCreatedTime: row.oldest ?? null,
    };
  }
}

/**
 * Consecutive ids as [first, last] runs, in the order given (ids validated: decimal, 64-bit).
 * BigInt, since outbox ids may pass 2^53.
 */
export function runsOf(outboxIds: readonly string[]): Array<[string, string]> {
  const runs: Array<[string, string]> = [];
  let last = -1n;
  for (const id of outboxIds) {
    if (!OUTBOX_ID.test(id)) throw new InternalError('RELAY.BAD_OUTBOX_ID', `not an outbox id: ${id}`);
    const value = BigInt(id);
    if (runs.length > 0 && value === last + 1n) runs[runs.length - 1][1] = String(value);
    else runs.push([String(value), String(value)]);
    last = value;
  }
  return runs;
}

/** GROUP_CONCAT of held slots ("12,4097"), NULL when none. */
function slotsOf(value: unknown): number[] {
  if (value === null || value === undefined || value === '') return [];
  return String(value).split(',').map(Number);
}

