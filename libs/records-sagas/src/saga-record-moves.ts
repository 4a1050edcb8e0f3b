import { createHash, randomUUID } from 'node:crypto';
import { hasErrorCode } from '@shardline/errors';
import {
  assertMoveSize,
  IdempotencyKeyReusedError,
  RecordFields,
  RecordLimits,
  RecordTooLargeError,
  type CommandOutcome,
  type IdGenerator,
  type RecordMoveAccepted,
  type RecordMovePlan,
  type RecordMoveResult,
  type RecordMoves,
  type RecordMoveStore,
} from '@shardline/records';
import { MOVE_RECORDS, type MoveRecordsInput, type MoveRecordsPayload } from '@shardline/saga-definitions';
import { phaseOf, type SagaOrchestrator, type SagaState } from '@shardline/sagas';
import { moveFailedError, MoveSourcesNotFoundError, NothingToMoveError } from './record-move.errors';

export interface SagaRecordMovesOptions {
  /** How long a request waits for the commit point before answering 202 with the status URL. */
  waitMs: number;
  /** The status URL of a saga (GET /api/v1/sagas/{id}). */
  statusUrl(sagaId: string): string;
}

/** A failed attempt under one Idempotency-Key may be retried under it this often (new saga each time). */
const MAX_ATTEMPTS_PER_KEY = 20;

/**
 * RecordMoves on the saga runtime:
 *   1. the saga id comes from the Idempotency-Key (a repeat finds the saga of the first request,
 *      before anything is read: a completed move's source business may be empty by now; another body
 *      under the key is refused with 422), else it is random;
 *   2. the sources: the named records, each a visible record of the source business (404 naming the
 *      others), or every record the business has now (at most 10,000: 413 beyond);
 *   3. each source gets its new id now, so every attempt of the saga writes the same copies;
 *   4. start the move-records saga with the pairs as its payload — or find it started;
 *   5. wait until its commit point is decided: committed → 201 with the pairs (the primary read
 *      path already shows the copies and no sources); failed → why, nothing changed; still
 *      undecided after `waitMs`, or `Prefer: respond-async` → 202 with the status URL.
 */
export class SagaRecordMoves implements RecordMoves {
  constructor(
    private readonly sagas: SagaOrchestrator,
    private readonly rows: RecordMoveStore,
    private readonly ids: IdGenerator,
    private readonly options: SagaRecordMovesOptions,
  ) {}

  async run(plan: RecordMovePlan): Promise<CommandOutcome<RecordMoveResult | RecordMoveAccepted>> {
    const { state, created } = await this.start(plan);
    if (plan.respondAsync) return this.accepted(state, !created);
    const settled = await this.sagas.awaitSettled(state.id, this.options.waitMs, (s) => s.pivotPassed || !phaseOf(s));
    return this.outcomeOf(settled, !created);
  }

  private async start(plan: RecordMovePlan): Promise<{ state: SagaState; created: boolean }> {
    if (!plan.context.clientSupplied) return this.startAs(`mv-${randomUUID()}`, plan);
    const base = `mv-${createHash('sha256').update(plan.context.commandId).digest('hex').slice(0, 40)}`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS_PER_KEY; attempt++) {
      const id = attempt === 1 ? base : `${base}.${attempt}`;
      const found = (await this.find(id)) ?? (await this.startAs(id, plan));
      if ((found.state.input as MoveRecordsInput).request_hash !== plan.requestHash) throw new IdempotencyKeyReusedError(plan.context.commandId);
      if (found.created || !failed(found.state)) return found;
    }
    throw new IdempotencyKeyReusedError(plan.context.commandId);
  }

  private async find(id: string): Promise<{ state: SagaState; created: false } | null> {
    try {
      return { state: await this.sagas.get(id), created: false };
    } catch (error) {
      if (hasErrorCode(error, 'SAGA.NOT_FOUND')) return null;
      throw error;
    }
  }

  /** Steps 2–4 (a concurrent request under the same key may start the saga first: start answers that one). */
  private async startAs(id: string, plan: RecordMovePlan): Promise<{ state: SagaState; created: boolean }> {
    const sources = await this.sourcesOf(plan);
    const payload: MoveRecordsPayload = { moved: sources.map((from_id) => ({ from_id, to_id: this.ids.next() })) };
    const input: MoveRecordsInput = {
      request_hash: plan.requestHash,
      from_business_id: plan.fromBusinessId,
      from_shard: plan.fromShard,
      to_business_id: plan.toBusinessId,
      to_shard: plan.toShard,
      records: sources.length,
      correlation_id: plan.context.correlationId,
      actor: plan.context.actor,
    };
    return this.sagas.start(MOVE_RECORDS, input, { id, payload });
  }

  private async sourcesOf(plan: RecordMovePlan): Promise<string[]> {
    if (plan.recordIds === null) {
      const listed = await this.rows.listIds(plan.fromShard, plan.fromBusinessId, RecordLimits.moveMaxRecords);
      if (listed.length === 0) throw new NothingToMoveError(plan.fromBusinessId);
      if (listed.length > RecordLimits.moveMaxRecords) {
        throw new RecordTooLargeError([
          { field: RecordFields.moveFrom, message: `has more than ${RecordLimits.moveMaxRecords} records, the limit per move: name the record_ids of each move` },
        ]);
      }
      return listed;
    }
    assertMoveSize(plan.recordIds.length);
    const visible = await this.rows.visibleIds(plan.fromShard, plan.fromBusinessId, plan.recordIds);
    const missing = plan.recordIds.map((id, index) => ({ id, index })).filter(({ id }) => !visible.has(id));
    if (missing.length > 0) throw new MoveSourcesNotFoundError(plan.fromBusinessId, missing);
    return plan.recordIds;
  }

  private async outcomeOf(state: SagaState, replayed: boolean): Promise<CommandOutcome<RecordMoveResult | RecordMoveAccepted>> {
    if (state.pivotPassed) {
      const view = await this.sagas.clientView(state.id, { asIfCompleted: true });
      return { status: 201, response: view.result as RecordMoveResult, replayed };
    }
    if (failed(state)) throw moveFailedError(state.id, state.reason, state.status === 'parked');
    return this.accepted(state, replayed);
  }

  private accepted(state: SagaState, replayed: boolean): CommandOutcome<RecordMoveAccepted> {
    return { status: 202, response: { saga_id: state.id, status: 'running', status_url: this.options.statusUrl(state.id) }, replayed };
  }
}

/** Finished (or parked) without the move having committed. */
function failed(state: SagaState): boolean {
  return !state.pivotPassed && (state.status === 'compensated' || state.status === 'aborted' || state.status === 'parked');
}
