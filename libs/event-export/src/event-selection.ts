import type { StoredEvent } from '@shardline/event-store';
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

/** What a selection looks at: an envelope, or the same fields of a stored event (selectsStoredEvent). */
type Selectable = Pick<RecordEventEnvelope, 'business_id' | 'user_id' | 'occurred_at'>;

export function selects(selection: EventSelection, envelope: Selectable): boolean {
  if (selection.businessId !== undefined && envelope.business_id !== selection.businessId) return false;
  if (selection.userId !== undefined && envelope.user_id !== selection.userId) return false;
  if (selection.since || selection.until) {
    const at = Date.parse(envelope.occurred_at);
    if (selection.since && at < selection.since.getTime()) return false;
    if (selection.until && at >= selection.until.getTime()) return false;
  }
  return true;
}

/** selects() on a stored event, without building its whole envelope (a filtered replay builds that once, for the selected events only). */
export function selectsStoredEvent(selection: EventSelection, event: StoredEvent): boolean {
  const data = event.data as { business_id?: unknown; user_id?: unknown };
  return selects(selection, { business_id: String(data.business_id), user_id: String(data.user_id), occurred_at: event.createdTime.toISOString() });
}
