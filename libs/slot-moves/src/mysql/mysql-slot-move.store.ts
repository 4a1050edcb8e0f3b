import type { Knex } from 'knex';
import { jsonColumn } from '@shardline/event-store/mysql';
import { SlotMoveRefusedError } from '../slot-move.errors';
import type { SlotMoveProgress, SlotMoveStore, StageSummary } from '../slot-move-store.port';
import { isFinishedStage, type MoveGroup, type MovePlanHeader, type SlotMoveRow, type SlotMoveStage } from '../slot-move.types';

const ROW_COLUMNS = ['move_id', 'slot', 'group_no', 'from_shard', 'to_shard', 'stage', 'epoch_from', 'cursor', 'rows_copied', 'rows_behind', 'stage_started', 'updated', 'admitted'];

/** `slot_move_plans` and `slot_moves` in the control database (control migration 0011). */
export class MysqlSlotMoveStore implements SlotMoveStore {
  constructor(private readonly control: Knex) {}

  async createPlan(moveId: string, groups: readonly MoveGroup[], options: Record<string, unknown>): Promise<void> {
    const rows = groups.flatMap((g) =>
      g.slots.map((s) => ({ move_id: moveId, slot: s.slot, group_no: g.group, from_shard: s.fromShard, to_shard: s.toShard, stage: 'planned', epoch_from: s.epochFrom, open_slot: s.slot })),
    );
    try {
      await this.control.transaction(async (trx) => {
        await trx('slot_move_plans').insert({ move_id: moveId, options: JSON.stringify(options), status: 'open' });
        for (let i = 0; i < rows.length; i += 1000) await trx('slot_moves').insert(rows.slice(i, i + 1000));
      });
    } catch (error) {
      // uq_open_slot: a slot of this plan is in another open move (a racing planner, or a stale check).
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY' && String((error as Error).message).includes('uq_open_slot')) {
        const open = await this.slotsInOpenMoves();
        const refused = rows.filter((r) => open.has(r.slot)).map((r) => ({ reason: 'in-another-open-move' as const, slot: r.slot, moveId: open.get(r.slot) }));
        throw new SlotMoveRefusedError(refused.length > 0 ? refused : rows.map((r) => ({ reason: 'in-another-open-move' as const, slot: r.slot })));
      }
      throw error;
    }
  }

  async slotsInOpenMoves(): Promise<Map<number, string>> {
    const rows = await this.control('slot_moves').whereNotNull('open_slot').select('slot', 'move_id');
    return new Map(rows.map((r: { slot: number; move_id: string }) => [Number(r.slot), r.move_id]));
  }

  async plan(moveId: string): Promise<MovePlanHeader | null> {
    const rows = await this.control('slot_move_plans').where({ move_id: moveId }).select('*');
    return rows[0] ? headerOf(rows[0]) : null;
  }

  async plans(options: { status?: MovePlanHeader['status']; limit?: number } = {}): Promise<MovePlanHeader[]> {
    const query = this.control('slot_move_plans').orderBy('created', 'desc').limit(options.limit ?? 100).select('*');
    if (options.status) query.where({ status: options.status });
    return (await query).map(headerOf);
  }

  async slots(moveId: string, group?: number): Promise<SlotMoveRow[]> {
    const query = this.control('slot_moves').where({ move_id: moveId }).orderBy(['group_no', 'slot']).select(ROW_COLUMNS);
    if (group !== undefined) query.where({ group_no: group });
    return (await query).map(rowOf);
  }

  async stageSummary(moveId?: string): Promise<StageSummary[]> {
    const query = this.control('slot_moves')
      .groupBy('stage')
      .orderBy('stage')
      .select('stage', this.control.raw('COUNT(*) AS slots, SUM(rows_copied) AS copied, COALESCE(SUM(rows_behind), 0) AS behind, MAX(updated) AS last_updated'));
    if (moveId) query.where({ move_id: moveId });
    else query.whereNotNull('open_slot');
    return (await query).map((r: Record<string, unknown>) => ({
      stage: r.stage as SlotMoveStage,
      slots: Number(r.slots),
      rowsCopied: Number(r.copied),
      rowsBehind: Number(r.behind),
      lastUpdated: r.last_updated as Date,
    }));
  }

  async saveProgress(moveId: string, slots: readonly number[], progress: SlotMoveProgress): Promise<void> {
    if (slots.length === 0) return;
    const set: Record<string, unknown> = { updated: this.control.raw('CURRENT_TIMESTAMP(3)') };
    if (progress.stage !== undefined) {
      set.stage = progress.stage;
      set.stage_started = this.control.raw('CURRENT_TIMESTAMP(3)');
      if (isFinishedStage(progress.stage)) set.open_slot = null;
    }
    if (progress.cursor !== undefined) set.cursor = progress.cursor === null ? null : JSON.stringify(progress.cursor);
    if (progress.rowsCopiedDelta) set.rows_copied = this.control.raw('rows_copied + ?', [progress.rowsCopiedDelta]);
    if (progress.rowsBehind !== undefined) set.rows_behind = progress.rowsBehind;
    await this.control('slot_moves').where({ move_id: moveId }).whereIn('slot', [...slots]).update(set);
  }

  async admit(moveId: string, group: number, parallel: number): Promise<boolean> {
    return this.control.transaction(async (trx) => {
      // The plan row's lock serialises admissions of one move: two groups cannot both take the last place.
      const plan = await trx('slot_move_plans').where({ move_id: moveId }).forUpdate().first('move_id');
      if (!plan) return false;
      const mine = await trx('slot_moves').where({ move_id: moveId, group_no: group }).whereNotNull('admitted').first('slot');
      if (mine) return true;
      const [running] = await trx('slot_moves').where({ move_id: moveId }).whereNotNull('admitted').whereNull('released').countDistinct({ n: 'group_no' });
      if (Number(running.n) >= parallel) return false;
      await trx('slot_moves').where({ move_id: moveId, group_no: group }).update({ admitted: trx.raw('CURRENT_TIMESTAMP(3)') });
      return true;
    });
  }

  async queueState(moveId: string, group: number): Promise<{ running: number; admitted: boolean; waitingAhead: number }> {
    const [rows] = await this.control.raw(
      `SELECT COUNT(DISTINCT CASE WHEN admitted IS NOT NULL AND released IS NULL THEN group_no END) AS running,
              COALESCE(MAX(group_no = ? AND admitted IS NOT NULL), 0) AS mine,
              COUNT(DISTINCT CASE WHEN group_no < ? AND admitted IS NULL AND released IS NULL THEN group_no END) AS ahead
         FROM slot_moves WHERE move_id = ?`,
      [group, group, moveId],
    );
    const row = (rows as Array<{ running: number | string; mine: number | string; ahead: number | string }>)[0];
    return { running: Number(row.running), admitted: Number(row.mine) === 1, waitingAhead: Number(row.ahead) };
  }

  async release(moveId: string, group: number): Promise<void> {
    await this.control('slot_moves').where({ move_id: moveId, group_no: group }).whereNull('released').update({ released: this.control.raw('CURRENT_TIMESTAMP(3)') });
  }

  async finishPlanIfDone(moveId: string): Promise<boolean> {
    const [result] = await this.control.raw(
      `UPDATE slot_move_plans SET status = 'finished', finished = CURRENT_TIMESTAMP(3)
        WHERE move_id = ? AND status = 'open' AND NOT EXISTS (SELECT 1 FROM slot_moves WHERE move_id = ? AND open_slot IS NOT NULL)`,
      [moveId, moveId],
    );
    return Number((result as { affectedRows?: number }).affectedRows ?? 0) === 1;
  }

  async deletePlan(moveId: string): Promise<void> {
    await this.control.transaction(async (trx) => {
      await trx('slot_moves').where({ move_id: moveId }).delete();
      await trx('slot_move_observations').where({ move_id: moveId }).delete();
      await trx('slot_move_plans').where({ move_id: moveId }).delete();
    });
  }
}

function headerOf(r: Record<string, unknown>): MovePlanHeader {
  return { moveId: String(r.move_id), created: r.created as Date, options: jsonColumn(r.options) as Record<string, unknown>, status: r.status as MovePlanHeader['status'] };
}

function rowOf(r: Record<string, unknown>): SlotMoveRow {
  return {
    moveId: String(r.move_id),
    slot: Number(r.slot),
    group: Number(r.group_no),
    fromShard: Number(r.from_shard),
    toShard: Number(r.to_shard),
    stage: r.stage as SlotMoveStage,
    epochFrom: Number(r.epoch_from),
    cursor: r.cursor === null ? null : jsonColumn(r.cursor),
    rowsCopied: Number(r.rows_copied),
    rowsBehind: r.rows_behind === null ? null : Number(r.rows_behind),
    stageStarted: r.stage_started as Date,
    updated: r.updated as Date,
    admitted: (r.admitted as Date | null) ?? null,
  };
}
