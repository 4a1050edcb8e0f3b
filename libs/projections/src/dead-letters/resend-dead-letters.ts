import { InternalError, isRetriable, messageOf } from '@shardline/errors';
import { GAVE_UP, retryWithBackoff, sleep, type BackoffOptions, type WorkerLog } from '@shardline/worker';
import { applyChunk } from '../apply/apply-chunk';
import type { DeadLetter } from '../apply/dead-letter.port';
import type { EnvelopeKeys } from '../apply/envelope-keys.port';
import type { SourceMessage } from '../apply/source-message';
import type { ProjectionSink } from '../projection-sink.port';
import type { DeadLetterSource } from './dead-letter-source.port';
import { liveProjectionOf, matchesFilter, type LetterFilter } from './letter-filter';
import type { ResendEntry, ResendLedger } from './resend-ledger.port';
import { redeliveryOf, type StoredDeadLetter } from './stored-dead-letter';

export interface ResendOptions {
  /** Names the run in the ledger and in the headers of letters rejected again. */
  run: string;
  filter: LetterFilter;
  /** Also re-send letters a previous run already settled (applied or rejected again). */
  includeResent?: boolean;
  /** Count what would be re-sent, change nothing. */
  dryRun?: boolean;
  /** Letters per sink.apply and per ledger record. */
  chunkSize?: number;
  retry?: BackoffOptions;
  /** Attempts of one chunk (apply, or the ledger record) before the run fails; what was recorded stays recorded. */
  maxAttempts?: number;
  now?: () => Date;
  log?: WorkerLog;
}

export interface ResendPorts {
  letters: DeadLetterSource;
  ledger: ResendLedger;
  /** The LIVE sink of a projection (the one the projector runs), or null when this process cannot write it. */
  sinkOf(projection: string): ProjectionSink | null;
  /** Opens sealed envelopes, as the projector does. */
  keys?: EnvelopeKeys;
}

export interface ResendReport {
  run: string;
  dryRun: boolean;
  /** Letters read from the topic. */
  scanned: number;
  /** Letters matching the filter and not yet settled (or settled, with includeResent): delivered again, or would be. */
  selected: number;
  applied: number;
  rejectedAgain: number;
  /** Letters matching the filter that a previous run settled, left alone (includeResent re-sends them). */
  alreadyResent: number;
  /** Letters of a projection this process has no sink for, left pending. */
  unknownProjection: Record<string, number>;
  /** Ids asked for that the topic does not hold (expired by retention, or never written). */
  missingIds: string[];
  perProjection: Record<string, { selected: number; applied: number; rejectedAgain: number }>;
  complete: boolean;
}

/**
 * Delivers dead letters again to the live projection that rejected them, through the projector's
 * own code path (applyChunk: decode → open with the users' keys → sink.apply → dead letters), so a
 * fixed cause (an index opened again, a mapping or a limit fixed, a bug fixed) is all it takes.
 *
 *   1. read the ledger: letters earlier runs settled are skipped (unless includeResent);
 *   2. read the dead-letter topic to its end as of now, picking the letters that match;
 *   3. per projection, in chunks: apply through applyChunk; each letter the projection rejects
 *      again becomes a NEW letter (same original bytes and source, the new reason, resend-of the
 *      old id) collected here, not yet published;
 *   4. record the chunk: the new letters and one ledger entry per letter, atomically (ResendLedger).
 *
 * Why it is safe: the sinks are idempotent by record version (ES external versions, ClickHouse
 * ReplacingMergeTree by version), so applying an event twice, or an old version after a newer one,
 * never duplicates or regresses the read model. A run interrupted between 3 and 4 leaves its chunk
 * pending; the next run applies it again (harmless) and records it once. A run twice in a row finds
 * everything settled by the first.
 */
export async function resendDeadLetters(options: ResendOptions, ports: ResendPorts): Promise<ResendReport> {
  const log = options.log ?? (() => {});
  const chunkSize = options.chunkSize ?? 500;
  const report: ResendReport = {
    run: options.run,
    dryRun: options.dryRun ?? false,
    scanned: 0,
    selected: 0,
    applied: 0,
    rejectedAgain: 0,
    alreadyResent: 0,
    unknownProjection: {},
    missingIds: [],
    perProjection: {},
    complete: false,
  };
  const entries = await ports.ledger.entries(); // 1.
  const seenIds = new Set<string>();
  const pending = new Map<string, StoredDeadLetter[]>();

  const flush = async (projection: string, keepAlive: () => Promise<void>) => {
    const letters = pending.get(projection) ?? [];
    pending.delete(projection);
    if (letters.length === 0) return;
    const sink = ports.sinkOf(projection)!;
    const outcome = await deliver(letters, sink, projection, options, ports, keepAlive); // 3. + 4.
    const counts = report.perProjection[projection];
    counts.applied += outcome.applied;
    counts.rejectedAgain += outcome.rejectedAgain;
    report.applied += outcome.applied;
    report.rejectedAgain += outcome.rejectedAgain;
    log('info', `resend ${options.run}: ${projection}: ${outcome.applied} applied, ${outcome.rejectedAgain} rejected again`);
  };

  const { complete } = await ports.letters.scan(async (batch, keepAlive) => {
    // 2.
    for (const letter of batch) {
      report.scanned += 1;
      seenIds.add(letter.id);
      if (!matchesFilter(letter, options.filter)) continue;
      if (entries.has(letter.id) && !options.includeResent) {
        report.alreadyResent += 1;
        continue;
      }
      const projection = liveProjectionOf(letter.projection);
      if (!ports.sinkOf(projection)) {
        report.unknownProjection[projection] = (report.unknownProjection[projection] ?? 0) + 1;
        continue;
      }
      report.selected += 1;
      report.perProjection[projection] ??= { selected: 0, applied: 0, rejectedAgain: 0 };
      report.perProjection[projection].selected += 1;
      if (report.dryRun) continue;
      const chunk = pending.get(projection) ?? [];
      pending.set(projection, chunk);
      chunk.push(letter);
      if (chunk.length >= chunkSize) await flush(projection, keepAlive);
    }
  });
  for (const projection of [...pending.keys()]) await flush(projection, async () => {});
  report.complete = complete;
  report.missingIds = (options.filter.ids ?? []).filter((id) => !seenIds.has(id));
  return report;
}

/** Steps 3 and 4 for one chunk of one projection. */
async function deliver(letters: StoredDeadLetter[], sink: ProjectionSink, projection: string, options: ResendOptions, ports: ResendPorts, keepAlive: () => Promise<void>) {
  const letterOf = new Map<SourceMessage, StoredDeadLetter>();
  const messages = letters.map((letter) => {
    const message = redeliveryOf(letter, options.run);
    letterOf.set(message, letter);
    return message;
  });
  const again: DeadLetter[] = [];
  // Transient failures are retried (keeping the read of the topic alive); an error that says
  // retrying cannot help (keys not configured, fenced by another run) fails the run at once.
  const retry = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    let fatal: unknown;
    const result = await retryWithBackoff(step, {
      backoff: options.retry ?? { initialMs: 200, maxMs: 5000 },
      maxAttempts: options.maxAttempts ?? 10,
      wait: async (ms) => fatal === undefined && (await waitKeepingAlive(ms, keepAlive), true),
      onRetry: (error, attempt, delay) => {
        if (!isRetriable(error)) fatal = error;
        else options.log?.('warn', `resend ${options.run}: ${projection}: ${what} failed (attempt ${attempt}), retrying in ${delay} ms`, { error: messageOf(error) });
      },
    });
    if (result === GAVE_UP) throw fatal;
    return result;
  };

  const done = await applyChunk(messages, {
    projection,
    apply: (events) => sink.apply(events),
    // Collected, published with the ledger entries in step 4 (one atomic record), never alone.
    deadLetters: { publish: async (_projection, letters) => void again.push(...letters) },
    keys: ports.keys,
    retry,
  });
  if (done === GAVE_UP) throw new InternalError('DLQ.RESEND_GAVE_UP', `resend ${options.run}: ${projection}: gave up without an error`);

  const at = (options.now ?? (() => new Date()))().toISOString();
  const reasonOf = new Map(again.map((letter) => [letterOf.get(letter.message)?.id, letter.reason]));
  const entries: ResendEntry[] = letters.map((letter) => {
    const reason = reasonOf.get(letter.id);
    return reason === undefined
      ? { letter: letter.id, run: options.run, projection, outcome: 'applied', at }
      : { letter: letter.id, run: options.run, projection, outcome: 'rejected-again', at, reason };
  });
  await retry('ledger record', () =>
    ports.ledger.record(
      again.map((letter) => ({ projection, letter })),
      entries,
    ),
  );
  return { applied: letters.length - again.length, rejectedAgain: again.length };
}

async function waitKeepingAlive(ms: number, keepAlive: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await sleep(Math.min(1000, until - Date.now()));
    await keepAlive().catch(() => {});
  }
}
