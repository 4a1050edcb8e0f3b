import { RecordState } from './record.state';

/** The public JSON representation of a record (also what idempotent replays return). */
export interface RecordView {
  id: string;
  business_id: string;
  user_id: string;
  data_content: Record<string, unknown>;
  version: number;
  created_time: string;
  updated_time: string;
}

/** What a delete answers: the record's last stream version, the one its RecordDeleted took. */
export interface DeletedRecordView {
  id: string;
  business_id: string;
  version: number;
  deleted: true;
}

export function toRecordView(state: RecordState): RecordView {
  return {
    id: state.id,
    business_id: state.businessId,
    user_id: state.userId,
    data_content: state.dataContent,
    version: state.version,
    created_time: state.createdTime.toISOString(),
    updated_time: state.updatedTime.toISOString(),
  };
}

export function toDeletedRecordView(state: RecordState, version: number): DeletedRecordView {
  return { id: state.id, business_id: state.businessId, version, deleted: true };
}
