import type { Knex } from 'knex';
import type { ShardDatabases } from '@shardline/sharding/mysql';
import { chooseObservation, supersededObservations, type PositionObservation } from '../shared-observation';
import { dbNow, maxPosition } from './slot-sql';

/** MAX(position) of a shard's events, then the shard's clock: every position up to it was allocated by then. */
export async function observePositions(source: Knex): Promise<PositionObservation> {
  const upTo = await maxPosition(source);
  return { upTo, at: await dbNow(source) };
}

/**
 * The move's observations of its source shards (`slot_move_observations`, control migration
 * 0013), shared by every group of the move (docs/adr/0008, 4.2). Any observation is true forever,
 * so racing writers are harmless: each row is one more true fact.
 */
export class MysqlSourceObservations {
  constructor(private readonly control: Knex) {}

  async list(moveId: string, shard: number): Promise<PositionObservation[]> {
    const rows = await this.control('slot_move_observations').where({ move_id: moveId, shard }).orderBy('observed_ms').select('observed_ms', this.control.raw('CAST(up_to AS CHAR) AS up_to'));
    return rows.map((r: { observed_ms: number | string; up_to: string }) => ({ upTo: String(r.up_to), at: Number(r.observed_ms) }));
  }

  async add(moveId: string, shard: number, observation: PositionObservation): Promise<void> {
    await this.control.raw('INSERT IGNORE INTO slot_move_observations (move_id, shard, observed_ms, up_to) VALUES (?, ?, ?, ?)', [moveId, shard, observation.at, observation.upTo]);
  }

  async forget(moveId: string, shard: number, observations: readonly PositionObservation[]): Promise<void> {
    if (observations.length === 0) return;
    await this.control('slot_move_observations').where({ move_id: moveId, shard }).whereIn('observed_ms', observations.map((o) => o.at)).delete();
  }

  /**
   * The observation a group starting its backfill from `shard` is bounded by (chooseObservation):
   * one older than the settle window if the move has one (no wait), else the one maturing first.
   * Records a fresh one when none is maturing, for the groups after this one.
   */
  async forBackfill(moveId: string, shard: number, source: Knex, settleMs: number): Promise<PositionObservation> {
    const known = await this.list(moveId, shard);
    const now = await dbNow(source);
    const choice = chooseObservation(known, now, settleMs);
    let use = choice.use;
    if (choice.observeAgain) {
      const fresh = await observePositions(source);
      await this.add(moveId, shard, fresh);
      use ??= fresh;
    }
    await this.forget(moveId, shard, supersededObservations(known, now, settleMs));
    return use!;
  }

  /** At planning: one observation per source shard, so that a shard's first group finds one already old. */
  async observeSources(moveId: string, databases: ShardDatabases, shards: Iterable<number>): Promise<void> {
    for (const shard of new Set(shards)) await this.add(moveId, shard, await observePositions(databases.shard(shard)));
  }

  async forgetMove(moveId: string): Promise<void> {
    await this.control('slot_move_observations').where({ move_id: moveId }).delete();
  }
}
