import { isShardlineError, messageOf, ShardlineError } from '@shardline/errors';
import type { SlotMoveStore } from './slot-move-store.port';
import { groupRows, slotMoveStatus, type SlotMoveStatus } from './slot-move.status';
import type { MovePlanHeader } from './slot-move.types';

/** Saga id of a move group: every operator action finds a group's saga from the plan alone. */
export function slotMoveSagaId(moveId: string, group: number): string {
  return `slot-move:${moveId}:${group}`;
}

/** What the operator needs of the saga orchestrator (SagaOrchestrator fits it). */
export interface SlotMoveSagas {
  get(id: string): Promise<{ status: string }>;
  pause(id: string): Promise<{ status: string }>;
  resume(id: string): Promise<{ status: string }>;
  abort(id: string): Promise<{ status: string }>;
}

export type SlotMoveAction = 'pause' | 'resume' | 'abort';

/** Per group, the saga status after the action, or why its saga refused it (e.g. abort past the flip). */
export interface SlotMoveActionResult {
  move_id: string;
  action: SlotMoveAction;
  groups: Array<{ group: number; status: string } | { group: number; refused: { code: string; message: string } }>;
}

export class SlotMoveNotFoundError extends ShardlineError {
  readonly code = 'SLOT_MOVE.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(moveId: string) {
    super(`no slot move ${moveId}`, { details: [{ field: 'id', message: 'names no slot move' }] });
  }
}

/** Every group refused the action: nothing changed. */
export class SlotMoveActionRefusedError extends ShardlineError {
  readonly code = 'SLOT_MOVE.ACTION_REFUSED';
  readonly kind = 'illegal-state';
  constructor(result: SlotMoveActionResult) {
    super(`${result.action} refused by every group of move ${result.move_id}`, {
      details: result.groups.slice(0, 50).map((g) => ({ field: `group ${g.group}`, message: 'refused' in g ? `${g.refused.code}: ${g.refused.message}` : g.status })),
    });
  }
}

/**
 * The operator's view of slot moves and their controls (docs/adr/0008, section 5), shared by
 * `ops-cli slots` and the admin API: status with rate and ETA, and pause, resume and abort applied
 * to every group's saga of a move.
 */
export class SlotMoveOperator {
  constructor(
    private readonly moves: Pick<SlotMoveStore, 'plan' | 'plans' | 'slots'>,
    private readonly sagas: SlotMoveSagas,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One move's status; SlotMoveNotFoundError if there is no such move. */
  async status(moveId: string): Promise<SlotMoveStatus> {
    const plan = await this.moves.plan(moveId);
    if (!plan) throw new SlotMoveNotFoundError(moveId);
    return this.statusOf(plan);
  }

  /** The moves of a status (open by default), newest first. */
  async list(options: { status?: MovePlanHeader['status']; limit?: number } = {}): Promise<SlotMoveStatus[]> {
    const plans = await this.moves.plans({ status: options.status ?? 'open', limit: options.limit });
    return Promise.all(plans.map((plan) => this.statusOf(plan)));
  }

  /** Applies the action to every group's saga; throws only when every group refused it. */
  async operate(action: SlotMoveAction, moveId: string): Promise<SlotMoveActionResult> {
    if (!(await this.moves.plan(moveId))) throw new SlotMoveNotFoundError(moveId);
    const result: SlotMoveActionResult = { move_id: moveId, action, groups: [] };
    for (const group of groupRows(await this.moves.slots(moveId)).keys()) {
      try {
        result.groups.push({ group, status: (await this.sagas[action](slotMoveSagaId(moveId, group))).status });
      } catch (error) {
        if (!isShardlineError(error)) throw error;
        result.groups.push({ group, refused: { code: error.code, message: messageOf(error) } });
      }
    }
    if (result.groups.length > 0 && result.groups.every((g) => 'refused' in g)) throw new SlotMoveActionRefusedError(result);
    return result;
  }

  private async statusOf(plan: MovePlanHeader): Promise<SlotMoveStatus> {
    const rows = await this.moves.slots(plan.moveId);
    const sagas = new Map<number, string>();
    for (const group of groupRows(rows).keys()) {
      sagas.set(group, await this.sagas.get(slotMoveSagaId(plan.moveId, group)).then((s) => s.status, () => 'missing'));
    }
    return slotMoveStatus(plan, rows, (group) => sagas.get(group) ?? 'missing', this.now());
  }
}
