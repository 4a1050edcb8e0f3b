import { Knex } from 'knex';

/**
 * The erasure count (0007) raised by the database itself whenever a key leaves `user_keys` — set to
 * NULL or the row deleted — in the same statement, whoever does it: an erase-saga worker of an older
 * version (no raise of its own), an operator's SQL, a forget that failed before its own raise. Key
 * caches keep a key for as long as the count stays put, so a removal that did not move it would leave
 * the key usable with no time limit; with the triggers it is dropped within a second everywhere.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS user_keys_erased_by_update');
  await knex.raw('DROP TRIGGER IF EXISTS user_keys_erased_by_delete');
  await knex.raw(`
    CREATE TRIGGER user_keys_erased_by_update AFTER UPDATE ON user_keys FOR EACH ROW
      IF OLD.wrapped_key IS NOT NULL AND (NEW.wrapped_key IS NULL OR NEW.wrapped_key <> OLD.wrapped_key) THEN
        INSERT INTO user_key_erasures (id, erasures) VALUES (1, 1) ON DUPLICATE KEY UPDATE erasures = erasures + 1;
      END IF`);
  await knex.raw(`
    CREATE TRIGGER user_keys_erased_by_delete AFTER DELETE ON user_keys FOR EACH ROW
      IF OLD.wrapped_key IS NOT NULL THEN
        INSERT INTO user_key_erasures (id, erasures) VALUES (1, 1) ON DUPLICATE KEY UPDATE erasures = erasures + 1;
      END IF`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS user_keys_erased_by_update');
  await knex.raw('DROP TRIGGER IF EXISTS user_keys_erased_by_delete');
}
