import { Knex } from 'knex';
import { ConnectionConfig, parseMysqlUrl } from '../sharding.config';
import { RegisteredShard, registryUrlOf } from '../shard-registry';
import { bumpSlotMapVersion } from './mysql-slot-map.store';

/** The `shards` table of the control database (migrations/control/0008): which shard databases exist. */
export class MysqlShardRegistry {
  constructor(private readonly control: Knex) {}

  list(): Promise<RegisteredShard[]> {
    return this.control('shards')
      .orderBy('shard')
      .select('shard', 'url')
      .then((rows: Array<{ shard: number; url: string }>) => rows.map((r) => ({ shard: Number(r.shard), url: r.url })));
  }

  /** The index a database is registered under (whatever url named it), or null. */
  async registeredAs(url: string): Promise<number | null> {
    const target = databaseOf(url);
    const same = (await this.list()).find((r) => databaseOf(r.url) === target);
    return same ? same.shard : null;
  }

  /**
   * Registers the configured shards 0..n-1 that are not registered yet (migrate, on a fleet that
   * predates the registry or on its first start). A registered index keeps its url.
   */
  async registerConfigured(shards: readonly ConnectionConfig[]): Promise<number> {
    return this.control.transaction(async (trx) => {
      await lockVersion(trx);
      const known = new Set((await trx('shards').select('shard')).map((r: { shard: number }) => Number(r.shard)));
      const missing = shards.map((connection, shard) => ({ shard, url: registryUrlOf(connection) })).filter((s) => !known.has(s.shard));
      if (missing.length === 0) return 0;
      await trx('shards').insert(missing);
      await bumpSlotMapVersion(trx);
      return missing.length;
    });
  }

  /**
   * Registers one more shard database under the next index and bumps the map version, so every
   * process opens its pools (lazily). The new shard owns no slot until a move grants it one.
   * A url already registered is refused (the same database twice would own slots twice).
   */
  async register(url: string): Promise<RegisteredShard> {
    return this.control.transaction(async (trx) => {
      await lockVersion(trx);
      const rows: Array<{ shard: number; url: string }> = await trx('shards').select('shard', 'url');
      const same = rows.find((r) => databaseOf(r.url) === databaseOf(url));
      if (same) throw new Error(`${redacted(url)} is already registered as shard ${same.shard}`);
      const shard = rows.reduce((max, r) => Math.max(max, Number(r.shard)), -1) + 1;
      // A new shard owns nothing, and nothing is ever seeded into it: only moves grant it slots.
      await trx('shards').insert({ shard, url, slots_seeded_time: trx.raw('NOW(3)') });
      await bumpSlotMapVersion(trx);
      return { shard, url };
    });
  }

  /** Whether the shard's `owned_slots` was seeded from the map already (migrate seeds each shard once). */
  async slotsSeeded(shard: number): Promise<boolean> {
    const row = await this.control('shards').where({ shard }).first('slots_seeded_time');
    return row !== undefined && row.slots_seeded_time !== null;
  }

  async markSlotsSeeded(shard: number): Promise<void> {
    await this.control('shards').where({ shard }).whereNull('slots_seeded_time').update({ slots_seeded_time: this.control.raw('NOW(3)') });
  }
}

/** Registry changes are serialized on the version row (two `shards add` at once get different indexes). */
async function lockVersion(trx: Knex.Transaction): Promise<void> {
  await trx.raw('SELECT version FROM slot_map_version WHERE id = 1 FOR UPDATE');
}

/** Which database a url names (host:port/database), whatever credentials it carries. */
function databaseOf(url: string): string {
  const { host, port, database } = parseMysqlUrl(url);
  return `${host.toLowerCase()}:${port}/${database}`;
}

/** A url as logs and errors may show it: no password. */
export function redacted(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}
