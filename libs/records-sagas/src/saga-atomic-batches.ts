import { createHash, randomUUID } from 'node:crypto';
import { ShardlineError } from '@shardline/errors';
import {
  IdempotencyKeyReusedError,
  RecordFields,
  type AtomicBatchAccepted,
  type AtomicBatches,
  type AtomicBatchPlan,
  type BatchResult,
  type CommandOutcome,
} from '@shardline/records';
import { ATOMIC_BATCH, type AtomicBatchInput, type AtomicBatchPayload } from '@shardline/saga-definitions';
import { phaseOf, type SagaOrchestrator, type SagaState } from '@shardline/sagas';

/** An atomic batch that failed as a whole: nothing of it is visible, and the reason says why. */
export class AtomicBatchAbortedError extends ShardlineError {
  readonly code = 'BATCH.ABORTED';
  readonly kind = 'unavailable';
  constructor(sagaId: string, reason: { code: string; message: string; step: string | null } | null) {
    const why = reason ? `${reason.code}: ${reason.message}` : 'aborted';
    super(`atomic batch ${sagaId} wrote nothing visible: ${why}; retry with the same Idempotency-Key`, {
      details: [{ field: RecordFields.atomic, message: why }],
    });
  }
}

export interface SagaAtomicBatchesOptions {
  /** How long a request waits for the commit point before answering 202 with the status URL. */
  waitMs: number;
  /** The status URL of a saga (GET /api/v1/sagas/{id}). */
  statusUrl(sagaId: string): string;
}

/** A failed attempt under one Idempotency-Key may be retried under it this often (new saga each time). */
const MAX_ATTEMPTS_PER_KEY = 20;

/**
 * AtomicBatches on the saga runtime:
 *   1. the saga id comes from the Idempotency-Key (a repeat finds the saga of the first request;
 *      another body under the key is refused with 422), else it is random;
 *   2. start the atomic-batch saga with the records as its payload (ids fixed) — or find it started;
 *   3. wait until its commit point is decided: committed → 201 with per-record results at once
 *      (release and projection follow; the primary read path already shows the batch); failed →
 *      the reason, nothing visible; still undecided after `waitMs`, or `Prefer: respond-async` → 202.
 * A key whose saga failed may be retried: the retry starts the next attempt under the same key.
 */
export class SagaAtomicBatches implements AtomicBatches {
  constructor(
    private readonly sagas: SagaOrchestrator,
    private readonly options: SagaAtomicBatchesOptions,
  ) {}

  async run(plan: AtomicBatchPlan): Promise<CommandOutcome<BatchResult | AtomicBatchAccepted>> {
    const input: AtomicBatchInput = {
      request_hash: plan.requestHash,
      records: plan.records.length,
      shards: [...new Set(plan.records.map((r) => r.shard))].sort((a, b) => a - b),
      correlation_id: plan.context.correlationId,
      actor: plan.context.actor,
    };
    const payload: AtomicBatchPayload = {
      records: plan.records.map((r) => ({ index: r.index, id: r.recordId, shard: r.shard, business_id: r.businessId, user_id: r.userId, data_content: r.dataContent })),
    };
    const { state, created } = await this.start(plan, input, payload);
    if (plan.respondAsync) return this.accepted(state, !created);
    const settled = await this.sagas.awaitSettled(state.id, this.options.waitMs, (s) => s.pivotPassed || !phaseOf(s));
    return this.outcomeOf(settled, !created);
  }

  private async start(plan: AtomicBatchPlan, input: AtomicBatchInput, payload: AtomicBatchPayload): Promise<{ state: SagaState; created: boolean }> {
    if (!plan.context.clientSupplied) return this.sagas.start(ATOMIC_BATCH, input, { id: `ab-${randomUUID()}`, payload });
    const base = `ab-${createHash('sha256').update(plan.context.commandId).digest('hex').slice(0, 40)}`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS_PER_KEY; attempt++) {
      const id = attempt === 1 ? base : `${base}.${attempt}`;
      const started = await this.sagas.start(ATOMIC_BATCH, input, { id, payload });
      if (started.created) return started;
      if ((started.state.input as AtomicBatchInput).request_hash !== plan.requestHash) throw new IdempotencyKeyReusedError(plan.context.commandId);
      if (!failed(started.state)) return started;
    }
    throw new IdempotencyKeyReusedError(plan.context.commandId);
  }

  private async outcomeOf(state: SagaState, replayed: boolean): Promise<CommandOutcome<BatchResult | AtomicBatchAccepted>> {
    if (state.pivotPassed) {
      const view = await this.sagas.clientView(state.id, { asIfCompleted: true });
      return { status: 201, response: view.result as BatchResult, replayed };
    }
    if (failed(state)) throw new AtomicBatchAbortedError(state.id, state.reason);
    return this.accepted(state, replayed);
  }

  private accepted(state: SagaState, replayed: boolean): CommandOutcome<AtomicBatchAccepted> {
    return { status: 202, response: { saga_id: state.id, status: 'running', status_url: this.options.statusUrl(state.id) }, replayed };
  }
}

/** Finished without its records ever becoming visible. */
function failed(state: SagaState): boolean {
  return !state.pivotPassed && (state.status === 'compensated' || state.status === 'aborted' || state.status === 'parked');
}
