import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { monthKeyOf } from '@shardline/event-store';
import { ShardingConfig, SlotMap, slotOf } from '@shardline/sharding';
import { SnowflakeIdGenerator, timeOfId } from '@shardline/ids';
import { makeRecord } from './workload';

/**
 * The baseline: the same three rows per record (events, outbox, records) as the API writes, sent
 * as multi-row INSERTs in one transaction per shard per 10,000-record "request", with the SQL text
 * built before the clock starts. Nothing of Shardline runs while it is timed. Events and records rows
 * carry their slot as the store writes them (shard migration 0010), so the baseline writes the same
 * columns and indexes.
 */
export async function rawInsert(config: ShardingConfig, total: number, perRequest: number, concurrency: number, payloadBytes: number): Promise<number> {
  const map = SlotMap.modulo(config.shards.length);
  const ids = new SnowflakeIdGenerator(900);
  const requests: string[][][] = []; // request -> shard -> statements
  for (let start = 0; start < total; start += perRequest) {
    const perShard: Array<{ events: unknown[][]; outbox: unknown[][]; records: unknown[][] }> = config.shards.map(() => ({ events: [], outbox: [], records: [] }));
    for (let i = start; i < Math.min(total, start + perRequest); i++) {
      const r = makeRecord(i, payloadBytes);
      const id = ids.next();
      const t = timeOfId(id);
      const month = monthKeyOf(t);
      const stream = `record-${id}`;
      const part = perShard[map.shardFor(r.business_id)];
      const data = JSON.stringify({ id, business_id: r.business_id, user_id: String(r.user_id), data_content: r.data_content, created_time: t.toISOString() });
      const meta = JSON.stringify({ eventId: randomUUID(), commandId: randomUUID(), correlationId: randomUUID(), causationId: null, actor: null });
      const slot = slotOf(r.business_id);
      part.events.push([month, stream, 1, 'RecordCreated', 1, data, meta, t, slot]);
      part.outbox.push([stream, 1, month, r.business_id, t]);
      part.records.push([id, r.business_id, String(r.user_id), JSON.stringify(r.data_content), 1, t, t, slot]);
    }
    requests.push(
      perShard.map((p) => [
        ...chunks(p.events, 1000).map((rows) => mysql.format('INSERT INTO events (month_key, stream_id, stream_version, event_type, schema_version, data, metadata, created_time, slot) VALUES ?', [rows as never])),
        ...chunks(p.records, 1000).map((rows) => mysql.format('INSERT INTO records (id, business_id, user_id, data_content, version, created_time, updated_time, slot) VALUES ?', [rows as never])),
        ...chunks(p.outbox, 1000).map((rows) => mysql.format('INSERT INTO outbox (stream_id, stream_version, month_key, partition_key, created_time) VALUES ?', [rows as never])),
      ]),
    );
  }
  const pools = config.shards.map((s) => mysql.createPool({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, connectionLimit: concurrency, timezone: 'Z' }));
  try {
    await Promise.all(pools.map((p) => p.query('SELECT 1')));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests.length) {
          const request = requests[next++];
          await Promise.all(
            request.map(async (statements, shard) => {
              if (statements.length === 0) return;
              const conn = await pools[shard].getConnection();
              try {
                await conn.query('BEGIN');
                for (const sql of statements) await conn.query(sql);
                await conn.query('COMMIT');
              } finally {
                conn.release();
              }
            }),
          );
        }
      }),
    );
    return total / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
}

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out.filter((c) => c.length > 0);
}
