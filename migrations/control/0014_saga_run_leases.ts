import { Knex } from 'knex';

/**
 * One run of a saga at a time (libs/sagas, SagaStore.claimRun): the token of the run that holds the
 * saga and until when (the control database's clock), renewed while the run's work is still
 * executing. Before, a run abandoned at its timeout, or whose saga an operator aborted or resumed
 * meanwhile, could still be executing its effects while the next run — or the compensation — ran:
 * a slot-move cutover granting the new owner after the rollback had given the slot back to the old
 * one left two owners. `run_version`: the version the run claimed (a busy claim of the same version is
 * a duplicate delivery, which backs off without moving the saga). Instant columns: no row of `sagas` is rewritten.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE sagas
      ADD COLUMN run_token VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
      ADD COLUMN run_version INT UNSIGNED NULL,
      ADD COLUMN run_lease_until DATETIME(3) NULL,
      ALGORITHM=INSTANT`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE sagas DROP COLUMN run_token, DROP COLUMN run_version, DROP COLUMN run_lease_until');
}
