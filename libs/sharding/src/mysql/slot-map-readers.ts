import { Knex } from 'knex';

/** A process that routes by the slot map, as its last report left it. */
export interface SlotMapReader {
  reader: string;
  version: number;
  seenTime: Date;
}

/**
 * The control database's list of processes routing by the slot map and the version each applied
 * (`slot_map_readers`, control migration 0012; docs/adr/0008, 4.7). Written by every SlotMapWatcher;
 * read by a slot move's cleanup, which waits until no live process routes by a map older than the
 * move's flip.
 */
export class MysqlSlotMapReaders {
  constructor(private readonly control: Knex) {}

  /** Upserts the reader's row with the version it applied (and now as its last sign of life). */
  async report(reader: string, version: number): Promise<void> {
    await this.control.raw(
      'INSERT INTO slot_map_readers (reader, version, seen_time) VALUES (?, ?, CURRENT_TIMESTAMP(3)) ' +
        'ON DUPLICATE KEY UPDATE version = GREATEST(version, VALUES(version)), seen_time = VALUES(seen_time)',
      [reader, version],
    );
  }

  /** A process stopping cleanly takes itself off the list. */
  async forget(reader: string): Promise<void> {
    await this.control('slot_map_readers').where({ reader }).delete();
  }

  /** Every reader seen within `aliveWithinMs`, newest report first. */
  async alive(aliveWithinMs: number): Promise<SlotMapReader[]> {
    const rows = await this.control('slot_map_readers')
      .where('seen_time', '>=', this.control.raw('CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND', [Math.round(aliveWithinMs * 1000)]))
      .orderBy('seen_time', 'desc')
      .select('reader', 'version', 'seen_time');
    return rows.map((r: { reader: string; version: number | string; seen_time: Date }) => ({ reader: r.reader, version: Number(r.version), seenTime: r.seen_time }));
  }

  /** Live readers still routing by a map older than `version`: what a cleanup waits for. */
  async behind(version: number, aliveWithinMs: number): Promise<SlotMapReader[]> {
    return (await this.alive(aliveWithinMs)).filter((r) => r.version < version);
  }

  /** Rows of readers not seen for `olderThanMs` (crashed processes): housekeeping. */
  async forgetSilent(olderThanMs: number): Promise<number> {
    return this.control('slot_map_readers')
      .where('seen_time', '<', this.control.raw('CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND', [Math.round(olderThanMs * 1000)]))
      .delete();
  }
}
