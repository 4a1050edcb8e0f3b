import { resendDeadLetters, type EnvelopeKeys, type ProjectionSink, type ResendReport } from '@shardline/projections';
import { PROJECTION_NAMES, type ProjectionName } from '../../../projector/src/config';
import { createSink, type OwnedSink } from '../../../projector/src/sinks';
import type { DlqArgs } from './dlq-args';
import type { DlqContext } from './dlq-context';

/** A run id: `resend-` + UTC time to the ms (lowercase letters and digits). */
export function newResendRunId(now = new Date()): string {
  return `resend-${now.toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
}

/**
 * `dlq resend`: delivers the selected letters again to the LIVE read model of the projection that
 * rejected them, from this process, through the projector's own code (applyChunk over the sink
 * createSink builds, the users' keys for sealed envelopes), and records each letter in the ledger
 * topic `<dlq>.resends` (see resendDeadLetters and KafkaResendLedger for why it is safe to run twice
 * and to interrupt). The projector keeps running meanwhile: both write by record version.
 */
export async function dlqResend(context: DlqContext, args: DlqArgs, keys: EnvelopeKeys, run = newResendRunId()): Promise<ResendReport> {
  const sinks = new Map<ProjectionName, OwnedSink>();
  const sinkOf = (projection: string): ProjectionSink | null => {
    if (!(PROJECTION_NAMES as readonly string[]).includes(projection)) return null;
    const name = projection as ProjectionName;
    if (!sinks.has(name)) sinks.set(name, createSink(name, context.config));
    return sinks.get(name)!.sink;
  };
  try {
    // Fence off an earlier run first: its open transaction is aborted before the ledger is read.
    if (!args.dryRun) await context.ledger.open();
    return await resendDeadLetters(
      { run, filter: args.filter, includeResent: args.includeResent, dryRun: args.dryRun, retry: context.config.runner.retry, log: context.log },
      { letters: context.letters, ledger: context.ledger, sinkOf, keys },
    );
  } finally {
    for (const owned of sinks.values()) await owned.close().catch(() => {});
  }
}

export function formatResendReport(report: ResendReport): string {
  const lines = [
    `${report.dryRun ? 'dry run ' : ''}${report.run}: ${report.scanned} letters read, ${report.selected} ${report.dryRun ? 'would be re-sent' : 're-sent'}: ${report.applied} applied, ${report.rejectedAgain} rejected again (back in the dead-letter topic with their new reason)`,
  ];
  for (const [projection, c] of Object.entries(report.perProjection)) lines.push(`  ${projection}: ${c.selected} selected, ${c.applied} applied, ${c.rejectedAgain} rejected again`);
  if (report.alreadyResent > 0) lines.push(`${report.alreadyResent} matching letters were settled by earlier runs (--include-resent to send them again)`);
  for (const [projection, n] of Object.entries(report.unknownProjection)) lines.push(`${n} letters of projection ${projection} left pending: no such projection here (${PROJECTION_NAMES.join(', ')})`);
  if (report.missingIds.length > 0) lines.push(`not in the topic (expired by retention, or never written): ${report.missingIds.join(', ')}`);
  if (!report.complete) lines.push('WARNING: the end of the topic was not reached: run again for the rest');
  return lines.join('\n');
}
