import { parseArgs } from 'node:util';
import { dropMonth, exportColdMonths, verifyArchives } from './mysql-archive';

const USAGE = 'usage: ops-cli archive export [--month YYYYMM]… | verify | drop --month YYYYMM --confirm   [--json]';

/**
 * `ops-cli archive …`: the event store's cold months (README, Data lifecycle).
 *   export   every shard's monthly event partitions older than SHARDLINE_EVENTS_HOT_MONTHS (or the
 *            --month given) → SHARDLINE_ARCHIVE_DIR/<database>/events-YYYYMM-<time>.jsonl.gz + manifest
 *   verify   re-reads every archive against its manifest (size, SHA-256, rows, content SHA-256)
 *   drop     removes an exported month from every shard, only with --confirm, only past the hot window,
 *            only from a verified archive (event-archive.ts: dropArchivedMonth)
 * Exit 0 done, 1 failed or an archive does not verify, 2 usage.
 */
export async function archiveCommand(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { month: { type: 'string', multiple: true }, confirm: { type: 'boolean' }, json: { type: 'boolean' } } });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [action] = parsed.positionals;
  const months = (parsed.values.month ?? []).map(Number);
  if (months.some((m) => !Number.isInteger(m) || m < 197001 || m > 299912)) {
    console.error(`--month takes YYYYMM\n${USAGE}`);
    return 2;
  }
  const print = (value: unknown, text: () => void) => (parsed.values.json ? console.log(JSON.stringify(value, null, 2)) : text());
  switch (action) {
    case 'export': {
      const manifests = await exportColdMonths(env, new Date(), months.length > 0 ? months : undefined);
      print(manifests, () => {
        for (const m of manifests) console.log(`${m.database} ${m.month_key}: ${m.rows} events → ${m.file} (${m.file_bytes} bytes, sha256 ${m.file_sha256})`);
        if (manifests.length === 0) console.log('nothing to export');
      });
      return 0;
    }
    case 'verify': {
      const checks = await verifyArchives(env);
      print(checks, () => {
        for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'BAD '} ${c.manifest}${c.ok ? '' : `: ${c.problems.join('; ')}`}`);
      });
      return checks.every((c) => c.ok) ? 0 : 1;
    }
    case 'drop': {
      if (months.length !== 1 || !parsed.values.confirm) {
        console.error(`drop needs exactly one --month and --confirm\n${USAGE}`);
        return 2;
      }
      const reports = await dropMonth(env, months[0]);
      print(reports, () => {
        for (const r of reports) {
          if ('skipped' in r) console.log(`${r.database}: ${r.skipped}`);
          else console.log(`${r.database} ${r.month_key}: ${r.rows} events dropped${r.reExported ? ` (changed since the export: archived again as ${r.reExported.file})` : ''}`);
        }
      });
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}
