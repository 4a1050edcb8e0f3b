import { randomBytes } from 'node:crypto';
import { distinctUserIds } from '../user-id';
import { DATA_KEY_BYTES, type DataKey, type UserKeyErasures, type UserKeys } from '../user-keys.port';

/** UserKeys in memory (unit tests, in-process fixtures). A forgotten user stays forgotten, as in the control database. */
export class InMemoryUserKeys implements UserKeys, UserKeyErasures {
  /** null: erased. */
  private readonly keys = new Map<string, DataKey | null>();
  /** Lookups that reached this store (what a cache in front of it did not answer). */
  lookups = 0;
  private erasures = 0;

  async keysFor(userIds: readonly string[]): Promise<Map<string, DataKey | null>> {
    this.lookups += 1;
    const ids = distinctUserIds(userIds);
    for (const id of ids) if (!this.keys.has(id)) this.keys.set(id, randomBytes(DATA_KEY_BYTES));
    return new Map(ids.map((id) => [id, copy(this.keys.get(id)!)]));
  }

  async existingKeys(userIds: readonly string[]): Promise<Map<string, DataKey | null>> {
    this.lookups += 1;
    return new Map(distinctUserIds(userIds).map((id) => [id, copy(this.keys.get(id) ?? null)]));
  }

  async forget(userId: string): Promise<boolean> {
    const [id] = distinctUserIds([userId]);
    const existed = (this.keys.get(id) ?? null) !== null;
    this.keys.set(id, null);
    this.erasures += 1;
    return existed;
  }

  async erasureCount(): Promise<number> {
    return this.erasures;
  }
}

/** Callers get their own copy, like a key read from the database: one cannot zero another's. */
const copy = (key: DataKey | null) => (key === null ? null : Buffer.from(key));
