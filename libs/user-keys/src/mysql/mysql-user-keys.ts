import { freshRandomBytes } from '@shardline/integration-events';
import type { Knex } from 'knex';
import { InternalError, isShardlineError, UnavailableError } from '@shardline/errors';
import type { KeyWrapping } from '../key-wrapping';
import { distinctUserIds } from '../user-id';
import { retryDeadlocks } from './retry-deadlocks';
import { DATA_KEY_BYTES, type DataKey, type UserKeyErasures, type UserKeys } from '../user-keys.port';

/** Ids per statement: keeps IN lists and multi-row inserts far below max_allowed_packet at any relay batch size. */
const CHUNK = 1000;

/**
 * UserKeys on the control database (`user_keys`, migrations/control/0004): one row per user,
 * `wrapped_key` NULL once erased. Keys are stored wrapped by the master key (KeyWrapping).
 * Driver failures become UnavailableError USER_KEYS.UNAVAILABLE (retriable: the relay keeps its
 * rows and backs off, the projector retries the chunk).
 */
export class MysqlUserKeys implements UserKeys, UserKeyErasures {
  constructor(
    private readonly control: Knex,
    private readonly wrapping: KeyWrapping,
    private readonly newKey: () => DataKey = () => freshRandomBytes(DATA_KEY_BYTES),
  ) {}

  /**
   * 1. read the rows of every id; 2. for the ids without a row, ONE multi-row INSERT IGNORE of fresh
   * keys per 1,000 ids, and where it ignored a row, ONE read of that chunk back. When relays race on
   * a new user, the first insert wins, the others are ignored, and the read-back hands every relay
   * the winner's key. An erased user has a row (wrapped_key NULL), so no key is ever inserted for
   * them again.
   */
  keysFor(userIds: readonly string[]): Promise<Map<string, DataKey | null>> {
    return this.guarded(async () => {
      const ids = distinctUserIds(userIds);
      const found = await this.read(ids);
      const missing = ids.filter((id) => !found.has(id));
      const contested: string[] = [];
      for (let i = 0; i < missing.length; i += CHUNK) {
        const chunk = missing.slice(i, i + CHUNK);
        const fresh = chunk.map(() => this.newKey());
        const sql = `INSERT IGNORE INTO user_keys (user_id, wrapped_key, created_time) VALUES ${chunk.map(() => '(?, ?, NOW(3))').join(', ')}`;
        const values = chunk.flatMap((id, k) => [id, this.wrapping.wrap(id, fresh[k])]);
        const [result] = await retryDeadlocks(() => this.control.raw(sql, values));
        // Every row inserted (none ignored): the keys stored are the ones just made, so they need no
        // read back and unwrap (half the work of a batch of new users). A row ignored means another
        // process created (or erased) one of these users meanwhile: the chunk is read back, and
        // everyone uses what the table holds.
        if (Number((result as { affectedRows?: number }).affectedRows) === chunk.length) chunk.forEach((id, k) => found.set(id, fresh[k]));
        else contested.push(...chunk);
      }
      for (const [id, key] of await this.read(contested)) found.set(id, key);
      const lost = missing.find((id) => !found.has(id));
      if (lost) throw new InternalError('USER_KEYS.CREATE_LOST', `the key of user ${lost} was inserted but cannot be read back`);
      return found;
    });
  }

  existingKeys(userIds: readonly string[]): Promise<Map<string, DataKey | null>> {
    return this.guarded(async () => {
      const ids = distinctUserIds(userIds);
      const found = await this.read(ids);
      return new Map(ids.map((id) => [id, found.get(id) ?? null]));
    });
  }

  /**
   * 1. INSERT IGNORE an erased row: a user without a key is now erased too, and a relay's later
   *    INSERT IGNORE of a fresh key is ignored; 2. erase the key of an existing row. In this order
   *    no interleaving with keysFor leaves a key behind (the reverse would: a key inserted between
   *    finding no row and inserting the erased one); 3. raise the erasure count (user_key_erasures),
   *    on every call, after the key is gone: a cache that reads the count afterwards drops its keys.
   *    A forget that fails before 3 is retried by its saga, and raises it then. The database raises
   *    it too, in the same statement as any removal of a key (triggers, control migration 0009), so
   *    a removal that never reaches 3 — an older worker, an operator's SQL — still moves it.
   */
  forget(userId: string): Promise<boolean> {
    return this.guarded(async () => {
      const [id] = distinctUserIds([userId]);
      await this.control.raw('INSERT IGNORE INTO user_keys (user_id, wrapped_key, created_time, erased_time) VALUES (?, NULL, NOW(3), NOW(3))', [id]);
      const [result] = await this.control.raw('UPDATE user_keys SET wrapped_key = NULL, erased_time = NOW(3) WHERE user_id = ? AND wrapped_key IS NOT NULL', [id]);
      await this.control.raw('INSERT INTO user_key_erasures (id, erasures) VALUES (1, 1) ON DUPLICATE KEY UPDATE erasures = erasures + 1');
      return Number((result as { affectedRows: number }).affectedRows) > 0;
    });
  }

  erasureCount(): Promise<number> {
    return this.guarded(async () => {
      const [rows] = await this.control.raw('SELECT erasures FROM user_key_erasures WHERE id = 1');
      return Number((rows as Array<{ erasures: number | string }>)[0]?.erasures ?? 0);
    });
  }

  /** Rows present, by user id: the unwrapped key, or null for an erased user. */
  private async read(ids: readonly string[]): Promise<Map<string, DataKey | null>> {
    const out = new Map<string, DataKey | null>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows: Array<{ user_id: string | number; wrapped_key: Buffer | null }> = await this.control('user_keys')
        .whereIn('user_id', ids.slice(i, i + CHUNK))
        .select('user_id', 'wrapped_key');
      for (const row of rows) {
        const id = String(row.user_id);
        out.set(id, row.wrapped_key === null ? null : this.wrapping.unwrap(id, row.wrapped_key));
      }
    }
    return out;
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isShardlineError(error)) throw error;
      throw new UnavailableError('USER_KEYS.UNAVAILABLE', `user keys (control database) unavailable: ${(error as Error).message}`, error);
    }
  }
}
