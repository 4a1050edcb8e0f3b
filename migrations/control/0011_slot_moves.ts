import { Knex } from 'knex';

/**
 * Slot moves (docs/adr/0008, section 4): a plan's header and one row per slot.
 * - `slot_move_plans`: the move id, when and with which options it was planned, open/finished.
 * - `slot_moves`: per slot, its group (one saga per group), from/to shard, stage, the ownership epoch
 *   it was planned at, the copy's cursor (JSON), rows copied and behind, and times for `slots status`.
 * - `open_slot` is the slot while its move is open and NULL once it finished (done/rolled-back):
 *   the unique key on it is what keeps a slot in at most one open move, whatever two planners race.
 * - `admitted`/`released`: when the group's saga was let in under the move's parallel limit, and
 *   when it gave its place back (the groups admitted and not released are the ones running).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE slot_move_plans (
      move_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      created DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      options JSON NOT NULL,
      status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      finished DATETIME(3) NULL,
      KEY idx_status_created (status, created)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  await knex.raw(`
    CREATE TABLE slot_moves (
      move_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      slot SMALLINT UNSIGNED NOT NULL,
      group_no SMALLINT UNSIGNED NOT NULL,
      from_shard SMALLINT UNSIGNED NOT NULL,
      to_shard SMALLINT UNSIGNED NOT NULL,
      stage VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      epoch_from INT UNSIGNED NOT NULL,
      \`cursor\` JSON NULL,
      rows_copied BIGINT UNSIGNED NOT NULL DEFAULT 0,
      rows_behind BIGINT UNSIGNED NULL,
      stage_started DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      open_slot SMALLINT UNSIGNED NULL,
      admitted DATETIME(3) NULL,
      released DATETIME(3) NULL,
      PRIMARY KEY (move_id, slot),
      UNIQUE KEY uq_open_slot (open_slot),
      KEY idx_group (move_id, group_no)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS slot_moves');
  await knex.raw('DROP TABLE IF EXISTS slot_move_plans');
}
