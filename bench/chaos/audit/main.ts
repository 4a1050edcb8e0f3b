/**
 * The soak's auditor on its own: `scripts/with-node tsx bench/chaos/audit/main.ts <run dir>` audits
 * a finished run again (its engines must still hold the run's data). Exit code 1 on any violation.
 */
import { readFileSync } from 'node:fs';
import { audit, type RunConfig } from './audit';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: audit/main.ts <run dir>');
  const config = JSON.parse(readFileSync(`${dir}/run.json`, 'utf8')) as RunConfig;
  const report = await audit(config, { convergeTimeoutS: Number(process.env.SOAK_CONVERGE_TIMEOUT_S ?? 60), faultGraceS: 20 });
  console.log(`lost ${report.lost}, duplicated ${report.duplicated}, mismatched ${report.mismatched}, unexplained 5xx ${report.unexplained5xx}`);
  process.exit(report.violations.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
