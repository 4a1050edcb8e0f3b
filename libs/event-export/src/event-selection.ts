import type { RecordEventEnvelope } from '@shardline/integration-events';

/** Which events an export (or a replay) takes: every field optional, all given ones must hold. */
export interface EventSelection {
  shards?: readonly number[];
  businessId?: string;
  userId?: string;
  /** occurred_at ≥ since */
  since?: Date;
  /** occurred_at < until */
  until?: Date;
}

export function selects(selection: EventSelection, envelope: RecordEventEnvelope): boolean {
  if (selection.businessId !== undefined && envelope.business_id !== selection.businessId) return false;
  if (selection.userId !== undefined && envelope.user_id !== selection.userId) return false;
  if (selection.since || selection.until) {
    const at = Date.parse(envelope.occurred_at);
    if (selection.since && at < selection.since.getTime()) return false;
    if (selection.until && at >= selection.until.getTime()) return false;
  }
  return true;
}
