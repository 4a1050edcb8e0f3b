import { listDeadLetters, type DeadLetterListing, type LetterRow } from '@shardline/projections';
import type { DlqArgs } from './dlq-args';
import { topicRetentionMs, type DlqContext } from './dlq-context';

export interface DlqListResult extends DeadLetterListing {
  topic: string;
  /** retention.ms of the dead-letter topic: letters older than this are gone for good. */
  retentionMs: number | null;
  status: 'pending' | 'all';
}

/** `dlq list`: one read of the whole topic and the ledger; counts per projection, kind and reason, and the letters. */
export async function dlqList(context: DlqContext, args: DlqArgs): Promise<DlqListResult> {
  const status = args.allStatuses ? 'all' : 'pending';
  const entries = await context.ledger.entries();
  const listing = await listDeadLetters(context.letters, entries, { filter: args.filter, status, limit: args.limit });
  const retentionMs = await topicRetentionMs(context.kafka, context.config.topics.deadLetter);
  return { topic: context.config.topics.deadLetter, retentionMs, status, ...listing };
}

export function formatDlqList(result: DlqListResult): string {
  const lines: string[] = [];
  const retention = result.retentionMs === null ? 'unknown' : result.retentionMs < 0 ? 'forever' : `${(result.retentionMs / 86_400_000).toFixed(1)} days`;
  lines.push(`${result.topic}: ${result.scanned} letters retained (retention ${retention}); ${result.matched} ${result.status === 'pending' ? 'pending ' : ''}match`);
  if (!result.complete) lines.push('WARNING: the end of the topic was not reached (a resend transaction still open?): counts are partial');
  for (const p of result.projections) {
    const kinds = Object.entries(p.kinds).map(([kind, n]) => `${kind} ${n}`).join(', ');
    lines.push('', `${p.projection}: ${p.letters} letters (${kinds}), ${p.oldest} .. ${p.newest}`);
    for (const r of p.reasons) lines.push(`  ${String(r.count).padStart(6)}  ${r.pattern}`);
  }
  if (result.letters.length > 0) lines.push('', table(result.letters));
  if (result.notListed > 0) lines.push(`… ${result.notListed} more (--limit, or narrow with --projection/--kind/--reason)`);
  return lines.join('\n');
}

function table(rows: LetterRow[]): string {
  const header = ['ID', 'STATUS', 'PROJECTION', 'KIND', 'SOURCE', 'BUSINESS', 'RECORD', 'EVENT', 'FAILED AT', 'REASON'];
  const cells = rows.map((r) => [
    r.id,
    r.status,
    r.projection,
    r.kind,
    r.source ?? '-',
    r.business_id ?? '-',
    r.record_id ?? '-',
    r.event_type ? `${r.event_type}@${r.stream_version ?? '?'}` : '-',
    r.failed_at ?? '-',
    r.reason.length > 100 ? `${r.reason.slice(0, 99)}…` : r.reason,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ')).join('\n');
}
