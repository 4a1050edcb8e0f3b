import { rebuildRecordsTable, type RecordsRebuildReport } from '@shardline/records-mysql/verification';
import { reportJson } from '@shardline/reconciliation';
import { openVerifyEngines } from './verify-engines';
import type { RebuildCommandOptions } from './verify-options';
import { EXIT } from './verify.command';

/**
 * `records:rebuild [--shard N]`: recomputes the inline `records` table of each shard (default all)
 * from its events, in place and while writers run (RecordsRowRebuilder explains why this is safe).
 * Exit 0, or 1 when rows were left to concurrent writers or had content that could not be opened
 * (listed; run it again, or verify).
 */
export async function recordsRebuildCommand(options: RebuildCommandOptions, env: Record<string, string | undefined>): Promise<{ exitCode: number; output: string; reports: RecordsRebuildReport[] }> {
  const engines = openVerifyEngines(env, ['records']);
  try {
    const reports: RecordsRebuildReport[] = [];
    for (const shard of options.shards ?? engines.databases.shardIndexes()) {
      if (shard >= engines.databases.count) throw new RangeError(`no shard ${shard} (have ${engines.databases.count})`);
      reports.push(await rebuildRecordsTable(engines.databases, engines.rebuilder, shard, { batchMax: options.batchMax, fanout: 64 }));
    }
    const exitCode = reports.some((r) => r.notes.length > 0) ? EXIT.differs : EXIT.clean;
    const output = options.json
      ? reportJson(reports)
      : reports
          .map((r) => `shard ${r.shard}: months [${r.months.join(', ')}]${r.archivedMonthsSkipped.length > 0 ? ` (archived, left alone: [${r.archivedMonthsSkipped.join(', ')}])` : ''}, ${r.batches} batches; rows inserted ${r.rows.inserted}, updated ${r.rows.updated}, deleted ${r.rows.deleted}, unchanged ${r.rows.unchanged}, skipped ${r.rows.skipped}, unopenable ${r.rows.unopenable}${r.notes.map((n) => `\n  ${n.recordId}: ${n.outcome} ${n.reason ?? ''}`).join('')}`)
          .join('\n');
    return { exitCode, output, reports };
  } finally {
    await engines.close();
  }
}
