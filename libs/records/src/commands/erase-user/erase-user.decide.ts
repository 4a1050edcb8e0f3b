import { RecordErased } from '../../domain/record.events';
import { RecordState } from '../../domain/record.state';

/** The last event of a record erased with its user: whatever state it was in, it goes, leaving no content. */
export function decideEraseRecord(state: RecordState | null, now: Date): RecordErased[] {
  if (!state) return [];
  return [{ type: 'RecordErased', schemaVersion: 1, data: { id: state.id, business_id: state.businessId, user_id: state.userId, erased_time: now.toISOString() } }];
}
