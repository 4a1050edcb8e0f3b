import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { MysqlCommitPoints } from '@shardline/commit-points/mysql';
import { MysqlEventStore } from '@shardline/event-store/mysql';
import { SnowflakeIdGenerator } from '@shardline/ids';
import { CreateRecord, DeleteRecord, RecordCommandRunner, type RecordStateChange, UpdateRecord } from '@shardline/records';
import { MysqlRecordStateReader, RecordsInlineProjection } from '@shardline/records-mysql';
import { SlotMap, SlotMapShardRouter, slotOf } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { type CachedUserKeys, SealingEventStore, userKeysConfigFromEnv } from '@shardline/user-keys';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import * as slotMoves from '../../../migrations/control/0011_slot_moves';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Control migration 0011 on a test control database, unless migrate already applied it (once it is listed in migrations/migrate.ts). */
export async function ensureSlotMoveTables(control: Knex): Promise<void> {
  const [rows] = await control.raw(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'slot_moves'`);
  if (Number((rows as Array<{ n: number }>)[0].n) === 0) await slotMoves.up(control);
}

/** A business id whose slot is `slot` (found by trying names). */
export function businessInSlot(slot: number, tag = randomUUID().slice(0, 8)): string {
  for (let i = 0; ; i++) if (slotOf(`${tag}-${i}`) === slot) return `${tag}-${i}`;
}

const ctx = () => ({ commandId: randomUUID(), clientSupplied: false, correlationId: 'slot-copy', causationId: null, actor: null });

/**
 * Writes records through the real command path (runner, sealing event store, inline `records`
 * projection) on a 2-shard fleet (modulo map), with record ids minted in a chosen month so the
 * events land in several month partitions.
 */
export class RecordWriter {
  readonly store: MysqlEventStore<RecordStateChange>;
  readonly keys: CachedUserKeys;
  private readonly runners = new Map<number, RecordCommandRunner>();

  constructor(private readonly databases: ShardDatabases) {
    this.store = new MysqlEventStore(databases, new RecordsInlineProjection(), { groupCommit: { maxGroupSize: 50, windowMs: 1, maxInFlight: 2 } });
    this.keys = cachedMysqlUserKeys(databases.control, userKeysConfigFromEnv({ SHARDLINE_USER_KEY_CACHE_TTL_MS: '0' }));
  }

  /** A runner whose new records get ids (hence month partitions) `monthsFromNow` months away. */
  private runner(monthsFromNow: number): RecordCommandRunner {
    let runner = this.runners.get(monthsFromNow);
    if (!runner) {
      const sealed = new SealingEventStore(this.store, this.keys);
      const reader = new MysqlRecordStateReader(this.databases, { commitPoints: new MysqlCommitPoints(this.databases.control) });
      const ids = new SnowflakeIdGenerator(1 + Math.abs(monthsFromNow) * 2 + (monthsFromNow < 0 ? 1 : 0), () => Date.now() + monthsFromNow * 31 * DAY_MS);
      runner = new RecordCommandRunner(sealed, reader, new SlotMapShardRouter(SlotMap.modulo(2)), () => new Date(), ids);
      this.runners.set(monthsFromNow, runner);
    }
    return runner;
  }

  async create(businessId: string, userId: string, monthsFromNow = 0, content: Record<string, unknown> = { n: Math.random() }): Promise<{ id: string; businessId: string }> {
    const outcome = await this.runner(monthsFromNow).run(new CreateRecord({ businessId, userId, dataContent: content }, ctx()));
    return { id: outcome.response.id, businessId };
  }

  async update(record: { id: string; businessId: string }, patch: Record<string, unknown>): Promise<void> {
    await this.runner(0).run(new UpdateRecord({ businessId: record.businessId, recordId: record.id, patch }, ctx()));
  }

  async remove(record: { id: string; businessId: string }): Promise<void> {
    await this.runner(0).run(new DeleteRecord({ businessId: record.businessId, recordId: record.id }, ctx()));
  }

  async close(): Promise<void> {
    await this.store.drain();
  }
}

/**
 * A transaction holding an `events` position without committing: what an append in flight looks
 * like to a reader of positions. It writes a record's first event and its `records` row, as an
 * append would, and commits or rolls back when told.
 */
export class HeldAppend {
  private constructor(
    private readonly trx: Knex.Transaction,
    readonly streamId: string,
    readonly position: string,
  ) {}

  static async open(db: Knex, businessId: string, id: string, monthKey: number): Promise<HeldAppend> {
    const trx = await db.transaction();
    const now = new Date();
    await trx('events').insert({
      month_key: monthKey,
      stream_id: `record-${id}`,
      stream_version: 1,
      event_type: 'RecordCreated',
      schema_version: 1,
      // Written as text a JS round trip would change (digits beyond 2^53, 1.0): the copy must keep the bytes.
      data: `{"id": "${id}", "business_id": ${JSON.stringify(businessId)}, "user_id": "1", "data_content": {"held": true, "big": 12345678901234567890, "f": 1.0}, "created_time": "${now.toISOString()}"}`,
      metadata: JSON.stringify({ eventId: randomUUID(), commandId: randomUUID(), correlationId: 'held', causationId: null, actor: null }),
      created_time: now,
    });
    await trx('records').insert({ id, business_id: businessId, user_id: '1', data_content: '{"held": true, "big": 12345678901234567890, "f": 1.0}', version: 1, created_time: now, updated_time: now });
    const [rows] = await trx.raw('SELECT LAST_INSERT_ID() AS p');
    return new HeldAppend(trx, `record-${id}`, String((rows as Array<{ p: string | number }>)[0].p));
  }

  commit(): Promise<unknown> {
    return this.trx.commit();
  }

  rollback(): Promise<unknown> {
    return this.trx.rollback();
  }
}
