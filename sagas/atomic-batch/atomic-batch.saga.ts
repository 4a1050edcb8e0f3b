import { z } from 'zod';
import { UnavailableError, validate } from '@shardline/errors';
import { defineSaga, type StepContext } from '@shardline/sagas';
import { voidOrGoForward } from '../commit-point';
import type { AtomicBatchEffects, AtomicBatchPart, AtomicBatchRecord } from './atomic-batch.effects';

/**
 * Atomic cross-shard batch: every record of the batch becomes visible at one moment, or none ever
 * does (docs/adr/0003). The records themselves are the saga's payload; the input is small.
 *
 *   1. stage    — open the commit point; stage every shard's part (marked, unpublished), in parallel.
 *                 Compensation: void the commit point (so no late commit can make a part visible),
 *                 then discard every part's staged rows.
 *   2. commit   — PIVOT: the commit point goes pending → committed; from here the batch is visible.
 *                 Compensation (before the pivot only): void the commit point — if a late attempt
 *                 committed it after all, go forward instead (PivotReachedError).
 *   3. release  — every part's rows lose their marker and get their outbox rows (published, then
 *                 projected). No compensation: retried, and parked for an operator if it cannot.
 */
export const ATOMIC_BATCH = 'atomic-batch';

const inputSchema = z.strictObject({
  /** Fingerprint of the request: the same Idempotency-Key with another body is refused. */
  request_hash: z.string().min(1),
  records: z.number().int().min(1).max(10_000),
  shards: z.array(z.number().int().min(0)).min(1),
  correlation_id: z.string().min(1).max(255),
  /** The API key that asked for it (events' `actor`); null with authentication off or for sagas started before keys. */
  actor: z.string().min(1).max(255).nullable().default(null),
});
export type AtomicBatchInput = z.output<typeof inputSchema>;

export interface AtomicBatchPayload {
  records: AtomicBatchRecord[];
}

export interface AtomicBatchResult {
  results: Array<{ index: number; status: 201; id: string; version: 1; business_id: string }>;
  created: number;
  failed: 0;
}

/** The commit point of a batch is named by its saga: one write set per saga. */
const writeSetOf = (context: StepContext<AtomicBatchInput, AtomicBatchEffects>) => context.sagaId;

async function partsOf(context: StepContext<AtomicBatchInput, AtomicBatchEffects>): Promise<AtomicBatchPart[]> {
  const { records } = await context.payload<AtomicBatchPayload>();
  const byShard = new Map<number, AtomicBatchRecord[]>();
  for (const record of records) byShard.set(record.shard, [...(byShard.get(record.shard) ?? []), record]);
  return [...byShard].map(([shard, rows]) => ({ shard, records: rows }));
}

/** Void the commit point, or go forward if a late attempt of the commit step committed it (sagas/commit-point.ts). */
const voidOrGoForwardOf = (context: StepContext<AtomicBatchInput, AtomicBatchEffects>) => voidOrGoForward(context.effects, writeSetOf(context));

export const atomicBatchSaga = defineSaga<AtomicBatchInput, AtomicBatchEffects>({
  type: ATOMIC_BATCH,
  deadlineMs: 60_000,
  parseInput: (raw) => validate(inputSchema, raw),
  steps: [
    {
      name: 'stage',
      timeoutMs: 30_000,
      attempts: 5,
      async action(context) {
        await context.effects.openCommitPoint(writeSetOf(context));
        const parts = await partsOf(context);
        await Promise.all(
          parts.map((part) =>
            context.effects.stagePart(part, { writeSetId: writeSetOf(context), commandId: context.commandId(part.shard), correlationId: context.input.correlation_id, actor: context.input.actor, signal: context.signal }),
          ),
        );
        return { staged: parts.map((p) => ({ shard: p.shard, records: p.records.length })) };
      },
      async compensation(context) {
        await voidOrGoForwardOf(context);
        const parts = await partsOf(context);
        await Promise.all(parts.map((part) => context.effects.discardPart(part, writeSetOf(context))));
      },
    },
    {
      name: 'commit',
      pivot: true,
      timeoutMs: 10_000,
      attempts: 5,
      async action(context) {
        const decision = await context.effects.commit(writeSetOf(context));
        if (decision === 'voided') throw new UnavailableError('BATCH.VOIDED', 'the batch was voided before it could commit');
        if (decision !== 'committed') throw new UnavailableError('BATCH.COMMIT_POINT_UNDECIDED', 'the commit point is still pending');
        return { committed: true };
      },
      compensation: voidOrGoForwardOf,
    },
    {
      name: 'release',
      timeoutMs: 30_000,
      attempts: 20,
      async action(context) {
        const parts = await partsOf(context);
        await Promise.all(parts.map((part) => context.effects.releasePart(part, writeSetOf(context))));
        return null;
      },
    },
  ],
  async result(completed): Promise<AtomicBatchResult> {
    const { records } = await completed.payload<AtomicBatchPayload>();
    const results = records.map((r) => ({ index: r.index, status: 201 as const, id: r.id, version: 1 as const, business_id: r.business_id })).sort((a, b) => a.index - b.index);
    return { results, created: results.length, failed: 0 };
  },
});
