import type { ShardDatabases } from '@shardline/sharding/mysql';

/** What the engine did for one call of the reader: summed over every statement on every shard. */
export interface PlanFigure {
  statements: number;
  /** r_rows of the records table: index entries / rows read. */
  rows: number;
  /** r_engine_stats.pages_accessed: InnoDB pages touched (buffer pool hits included). */
  pages: number;
  /** Partitions the plans name (after pruning), summed over statements. */
  partitions: number;
  filesort: boolean;
}

/**
 * Runs `call` once while capturing the statements it sends to `records` on each shard, then replays
 * each with ANALYZE FORMAT=JSON and sums what the plans report.
 */
export async function analyzeStatements(databases: ShardDatabases, shards: number[], call: () => Promise<unknown>): Promise<PlanFigure> {
  const captured: Array<{ shard: number; sql: string }> = [];
  const listeners = shards.map((shard) => {
    const db = databases.shard(shard);
    const listener = (q: { sql: string; bindings?: unknown[] }) => {
      if (/FROM records\b/.test(q.sql)) captured.push({ shard, sql: db.raw(q.sql, (q.bindings ?? []) as never).toString() });
    };
    db.on('query', listener);
    return () => db.removeListener('query', listener);
  });
  try {
    await call();
  } finally {
    for (const remove of listeners) remove();
  }
  const figure: PlanFigure = { statements: captured.length, rows: 0, pages: 0, partitions: 0, filesort: false };
  for (const { shard, sql } of captured) {
    const [[plan]] = (await databases.shard(shard).raw(`ANALYZE FORMAT=JSON ${sql}`)) as unknown as [[{ ANALYZE: string }]];
    walk(JSON.parse(plan.ANALYZE), figure);
  }
  return figure;
}

function walk(node: unknown, figure: PlanFigure): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, figure);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  if ('filesort' in object) figure.filesort = true;
  if (typeof object.table_name === 'string' && object.table_name === 'records') {
    figure.rows += Number(object.r_rows ?? 0);
    figure.pages += Number((object.r_engine_stats as { pages_accessed?: number } | undefined)?.pages_accessed ?? 0);
    figure.partitions += Array.isArray(object.partitions) ? object.partitions.length : 0;
  }
  for (const child of Object.values(object)) walk(child, figure);
}
