import { ShardlineError } from '@shardline/errors';
import { SlotMoveActionRefusedError, SlotMoveNotFoundError, SlotMoveOperator, type SlotMoveSagas } from './slot-move.operator';
import type { MovePlanHeader, SlotMoveRow } from './slot-move.types';

class PastPivotError extends ShardlineError {
  readonly code = 'SAGA.ILLEGAL_STATE';
  readonly kind = 'illegal-state';
  constructor(message: string) {
    super(message);
  }
}

describe('slot move operator: one action for every group of a move', () => {
  const plan: MovePlanHeader = { moveId: 'm1', created: new Date('2026-12-03T09:00:00Z'), options: { parallel: 2 }, status: 'open' };
  const row = (slot: number, group: number): SlotMoveRow => ({
    moveId: 'm1',
    slot,
    group,
    fromShard: 0,
    toShard: 4,
    stage: 'copying',
    epochFrom: 1,
    cursor: null,
    rowsCopied: 0,
    rowsBehind: null,
    stageStarted: new Date(),
    updated: new Date(),
    admitted: null,
  });
  const moves = {
    plan: async (id: string) => (id === 'm1' ? plan : null),
    plans: async () => [plan],
    slots: async () => [row(4, 0), row(8, 0), row(12, 1), row(16, 2)],
  };
  /** Sagas by id: group 1's saga is past its flip (abort refused); group 2 has none. */
  const sagas = (): SlotMoveSagas & { calls: string[] } => {
    const calls: string[] = [];
    const act = (action: string) => async (id: string) => {
      calls.push(`${action} ${id}`);
      if (id.endsWith(':2')) throw new PastPivotError(`saga ${id} not found`);
      if (id.endsWith(':1') && action === 'abort') throw new PastPivotError('past its pivot');
      return { status: action === 'abort' ? 'compensating' : action === 'pause' ? 'paused' : 'running' };
    };
    return { calls, get: act('get'), pause: act('pause'), resume: act('resume'), abort: act('abort') };
  };

  it('applies the action to each group\'s saga once and lists each outcome, a refusal with its code', async () => {
    const s = sagas();
    const result = await new SlotMoveOperator(moves, s).operate('abort', 'm1');
    expect(s.calls).toEqual(['abort slot-move:m1:0', 'abort slot-move:m1:1', 'abort slot-move:m1:2']);
    expect(result).toEqual({
      move_id: 'm1',
      action: 'abort',
      groups: [
        { group: 0, status: 'compensating' },
        { group: 1, refused: { code: 'SAGA.ILLEGAL_STATE', message: 'past its pivot' } },
        { group: 2, refused: { code: 'SAGA.ILLEGAL_STATE', message: 'saga slot-move:m1:2 not found' } },
      ],
    });
  });

  it('throws when every group refused (nothing changed), and for a move that does not exist', async () => {
    const refusing = { ...moves, slots: async () => [row(12, 1)] };
    await expect(new SlotMoveOperator(refusing, sagas()).operate('abort', 'm1')).rejects.toBeInstanceOf(SlotMoveActionRefusedError);
    await expect(new SlotMoveOperator(moves, sagas()).operate('pause', 'nope')).rejects.toBeInstanceOf(SlotMoveNotFoundError);
    await expect(new SlotMoveOperator(moves, sagas()).status('nope')).rejects.toMatchObject({ code: 'SLOT_MOVE.NOT_FOUND', kind: 'not-found' });
  });

  it('an error that is not a refusal (the control database down) fails the action instead of being listed', async () => {
    const broken = { ...sagas(), pause: async () => Promise.reject(new Error('connect ECONNREFUSED')) };
    await expect(new SlotMoveOperator(moves, broken).operate('pause', 'm1')).rejects.toThrow('ECONNREFUSED');
  });

  it('status names each group\'s saga status, `missing` when it has none', async () => {
    const report = await new SlotMoveOperator(moves, sagas()).status('m1');
    expect(report.groups.map((g) => [g.group, g.slots, g.saga])).toEqual([
      [0, 2, 'running'],
      [1, 1, 'running'],
      [2, 1, 'missing'],
    ]);
  });
});
