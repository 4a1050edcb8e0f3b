import type { ModelDigest } from './digest';
import type { RepairOutcome } from './repair';
import type { Difference, VerifyReport } from './verifier';

/** A report as JSON (64-bit checksums as decimal strings). */
export function reportJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** The human-readable report: one line per read model, shard and month, then the differing streams. */
export function reportTable(report: VerifyReport): string {
  const header = ['model', 'shard', 'month', 'expected', 'actual', 'checksum', 'differing', 'status'];
  const lines = report.rows.map((r) => [
    r.model,
    String(r.shard),
    String(r.month),
    String(r.expected.count),
    String(r.actual.count),
    checksumCell(r.expected, r.actual),
    String(r.differences),
    r.differences > 0 ? 'DIFFERS' : 'ok',
  ]);
  const out = [table([header, ...lines])];
  if (report.differences.length > 0) {
    out.push('', `differing streams (${report.differences.length}):`);
    out.push(table([['model', 'shard', 'record', 'kind', 'event store', 'read model'], ...report.differences.map(differenceLine)]));
  }
  out.push(
    '',
    `${report.eventsScanned} events in ${(report.durationMs / 1000).toFixed(1)} s; ${report.slicesDrilled} slices drilled; ${report.settled} streams agreed on re-check (lag); ${report.differences.length} differ`,
  );
  return out.join('\n');
}

export function repairTable(outcomes: readonly RepairOutcome[]): string {
  if (outcomes.length === 0) return 'nothing to repair';
  return table([['model', 'record', 'repair', 'reason'], ...outcomes.map((o) => [o.model, o.recordId, o.status, o.reason ?? ''])]);
}

function checksumCell(expected: ModelDigest, actual: ModelDigest): string {
  if (actual.xor !== undefined) return actual.xor === expected.xor ? 'equal' : 'differs';
  if (actual.sumVersion !== undefined) {
    const same = actual.sumVersion === expected.sumVersion && actual.sumVersion2 === expected.sumVersion2 && actual.deleted === expected.deleted && actual.sumVersionDeleted === expected.sumVersionDeleted;
    return same ? 'sums equal' : 'sums differ';
  }
  return '-';
}

function differenceLine(d: Difference): string[] {
  const state = (s: Difference['expected']) => (s ? `v${s.version}${s.deleted ? ' deleted' : ''}${s.events !== undefined ? ` (${s.events} events)` : ''}` : 'none');
  return [d.model, d.shard === null ? '?' : String(d.shard), d.recordId, d.kind, state(d.expected), state(d.actual)];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}
