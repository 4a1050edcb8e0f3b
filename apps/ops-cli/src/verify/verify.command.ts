import { repairDifferences, repairTable, reportJson, reportTable, Verifier, type RepairOutcome, type VerifyReport } from '@shardline/reconciliation';
import { openVerifyEngines } from './verify-engines';
import type { VerifyCommandOptions } from './verify-options';

/** Exit codes of `verify` (and `records:rebuild`). */
export const EXIT = { clean: 0, differs: 1, usage: 2, failed: 3 } as const;

export interface VerifyOutcome {
  exitCode: number;
  /** What was printed (the table, or the JSON document). */
  output: string;
  report: VerifyReport;
  repair?: RepairOutcome[];
  after?: VerifyReport;
}

/**
 * `verify [--repair]`: compares the event store with the read models (see Verifier); with
 * --repair, re-projects the streams that differ into the model that differs (the records table:
 * rows recomputed from the events), then verifies the months concerned again and reports that.
 * Exit 0 when everything agrees (after the repair, if asked), 1 when something differs.
 */
export async function verifyCommand(options: VerifyCommandOptions, env: Record<string, string | undefined>): Promise<VerifyOutcome> {
  const engines = openVerifyEngines(env, options.models);
  try {
    const verifier = (months?: readonly number[]) =>
      new Verifier(engines.store, engines.models, {
        fanout: options.fanout,
        leafMax: options.leafMax,
        settleMs: options.settleMs,
        recheckEveryMs: 1000,
        months,
        shards: options.shards,
        catchUpGate: (model) => engines.catchUpGate(model),
      });
    const report = await verifier(options.months).verify();
    if (!options.repair || report.differences.length === 0) {
      return { exitCode: report.differences.length === 0 ? EXIT.clean : EXIT.differs, output: options.json ? reportJson({ verify: report }) : reportTable(report), report };
    }
    const repair = await repairDifferences(report.differences, engines.repair);
    await engines.afterRepair();
    const after = await verifier([...new Set(report.differences.map((d) => d.month))]).verify();
    const output = options.json
      ? reportJson({ verify: report, repair, after })
      : [reportTable(report), '', 'repair:', repairTable(repair), '', 'after repair:', reportTable(after)].join('\n');
    return { exitCode: after.differences.length === 0 ? EXIT.clean : EXIT.differs, output, report, repair, after };
  } finally {
    await engines.close();
  }
}
