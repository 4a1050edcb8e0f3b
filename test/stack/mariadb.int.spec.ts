// Smoke test: each shard database (and the control database) accepts DDL, a write and a read.
// Default layout: one server on 127.0.0.1:3306 holding data_db_0..N-1 + shardline_control.
// With SHARDLINE_SHARD_SERVERS=separate, each shard is also checked on its own server
// (127.0.0.1:3307 + i), as started by `scripts/stack/up.sh --separate-shards`.
import { randomUUID } from 'node:crypto';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';

const host = '127.0.0.1';
const defaultPort = Number(process.env.SHARDLINE_MYSQL_PORT ?? 3306);
const shardCount = Number(process.env.SHARDLINE_SHARD_COUNT ?? 4);
const basePort = Number(process.env.SHARDLINE_SHARD_BASE_PORT ?? 3307);
const separate = process.env.SHARDLINE_SHARD_SERVERS === 'separate';

const targets: Array<{ name: string; port: number; database: string }> = [
  { name: 'control', port: defaultPort, database: 'shardline_control' },
];
for (let i = 0; i < shardCount; i++) {
  targets.push({ name: `shard ${i}`, port: defaultPort, database: `data_db_${i}` });
  if (separate) targets.push({ name: `shard ${i} (own server)`, port: basePort + i, database: `data_db_${i}` });
}

async function roundTrip(conn: Connection, database: string): Promise<void> {
  const table = `stack_smoke_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await conn.query(
    `CREATE TABLE \`${table}\` (business_id VARCHAR(64) NOT NULL PRIMARY KEY, payload JSON NOT NULL, version INT UNSIGNED NOT NULL) ENGINE=InnoDB`,
  );
  try {
    const id = `biz-${randomUUID()}`;
    await conn.beginTransaction();
    await conn.execute(`INSERT INTO \`${table}\` (business_id, payload, version) VALUES (?, ?, ?)`, [
      id,
      JSON.stringify({ database }),
      1,
    ]);
    await conn.commit();
    const [rows] = await conn.execute<RowDataPacket[]>(`SELECT business_id, payload, version FROM \`${table}\` WHERE business_id = ?`, [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].business_id).toBe(id);
    expect(rows[0].version).toBe(1);
    const payload = typeof rows[0].payload === 'string' ? JSON.parse(rows[0].payload) : rows[0].payload;
    expect(payload).toEqual({ database });
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
  }
}

describe('stack: MariaDB/MySQL shard databases', () => {
  it.each(targets)('creates and reads a row in $database on 127.0.0.1:$port ($name)', async ({ port, database }) => {
    const conn = await createConnection({ host, port, user: 'root', password: '', database, connectTimeout: 10_000 });
    try {
      await roundTrip(conn, database);
    } finally {
      await conn.end();
    }
  });
});
