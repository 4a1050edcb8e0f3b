import mysql from 'mysql2/promise';

/** One shard's database, as the auditor reaches it (its own connection, its own SQL). */
export interface ShardAddress {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface StoredEvent {
  shard: number;
  stream_id: string;
  version: number;
  type: string;
  data: any;
  metadata: any;
}

export interface RecordRow {
  shard: number;
  id: string;
  business_id: string;
  user_id: string;
  data_content: unknown;
  version: number;
}

export interface StoreSnapshot {
  events: StoredEvent[];
  records: RecordRow[];
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

async function withShard<T>(shard: ShardAddress, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ host: shard.host, port: shard.port, user: shard.user, database: shard.database, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 5000 });
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Events, rows still to publish and rows still staged under a commit point, over all shards: settled when the events stop changing and the others are 0. */
export async function pendingWork(shards: ShardAddress[]): Promise<{ outbox: number; staged: number; events: number }> {
  let outbox = 0;
  let staged = 0;
  let events = 0;
  for (const shard of shards) {
    await withShard(shard, async (c) => {
      const [e] = await c.query('SELECT COUNT(*) AS n FROM events');
      events += Number((e as any[])[0].n);
      const [o] = await c.query('SELECT COUNT(*) AS n FROM outbox');
      const [s] = await c.query('SELECT (SELECT COUNT(*) FROM events WHERE staged_by IS NOT NULL) + (SELECT COUNT(*) FROM records WHERE staged_by IS NOT NULL OR moving_out_by IS NOT NULL) AS n');
      outbox += Number((o as any[])[0].n);
      staged += Number((s as any[])[0].n);
    });
  }
  return { outbox, staged, events };
}

/** Every event and every `records` row of every shard. */
export async function readStore(shards: ShardAddress[]): Promise<StoreSnapshot> {
  const events: StoredEvent[] = [];
  const records: RecordRow[] = [];
  for (const [i, shard] of shards.entries()) {
    await withShard(shard, async (c) => {
      const [ev] = await c.query('SELECT stream_id, stream_version, event_type, data, metadata FROM events WHERE staged_by IS NULL ORDER BY stream_id, stream_version');
      for (const r of ev as any[]) events.push({ shard: i, stream_id: r.stream_id, version: Number(r.stream_version), type: r.event_type, data: json(r.data), metadata: json(r.metadata) });
      const [rows] = await c.query('SELECT id, business_id, user_id, data_content, version FROM records WHERE staged_by IS NULL');
      for (const r of rows as any[]) records.push({ shard: i, id: String(r.id), business_id: r.business_id, user_id: String(r.user_id), data_content: json(r.data_content), version: Number(r.version) });
    });
  }
  return { events, records };
}
