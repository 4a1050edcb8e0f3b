import { SLOT_MOVE, slotMoveSaga, type SlotMoveInput } from '@shardline/saga-definitions';
import { SagaOrchestrator } from '@shardline/sagas';
import { BullmqSagaJobQueue, sagaRuntimeConfigFromEnv } from '@shardline/sagas/bullmq';
import { MysqlSagaStore } from '@shardline/sagas/mysql';
import type { MoveGroup } from '@shardline/slot-moves';
import type { ShardDatabases } from '@shardline/sharding/mysql';

/** How each group's saga runs (what `slots move` was given). */
export interface SlotMoveRunOptions {
  pauseMs: number;
  behindThreshold: number;
}

export function slotMoveInput(moveId: string, group: MoveGroup, run: SlotMoveRunOptions): SlotMoveInput {
  return {
    move_id: moveId,
    group: group.group,
    slots: group.slots.map((s) => s.slot),
    from_shard: group.fromShard,
    to_shard: group.toShard,
    epochs: group.slots.map((s) => s.epochFrom),
    pause_ms: run.pauseMs,
    behind_threshold: run.behindThreshold,
    admit_poll_ms: 500,
    handoff_poll_ms: 500,
  };
}

/**
 * The orchestrator as the operator's command line needs it: starts, pauses, resumes and aborts
 * slot-move sagas (state in the control database, jobs on the saga queue); the saga worker runs them.
 */
export function slotMoveOrchestrator(control: ShardDatabases['control'], env: Record<string, string | undefined>): { orchestrator: SagaOrchestrator; close(): Promise<void> } {
  const queue = new BullmqSagaJobQueue(sagaRuntimeConfigFromEnv(env).queue);
  const orchestrator = new SagaOrchestrator({ sagas: [{ definition: slotMoveSaga }], store: new MysqlSagaStore(control), queue });
  return { orchestrator, close: () => queue.close() };
}

export { SLOT_MOVE };
