/**
 * Events of a record stream. Payloads use the API's snake_case names so every consumer (Kafka,
 * projections, replays) reads the same shape. RecordUpdated carries the merge patch AND the
 * resulting data_content, so projections can upsert without reading their previous state.
 */
export interface RecordCreated {
  type: 'RecordCreated';
  schemaVersion: 1;
  data: { id: string; business_id: string; user_id: string; data_content: Record<string, unknown>; created_time: string };
}

export interface RecordUpdated {
  type: 'RecordUpdated';
  schemaVersion: 1;
  data: {
    id: string;
    business_id: string;
    user_id: string;
    patch: Record<string, unknown>;
    data_content: Record<string, unknown>;
    updated_time: string;
  };
}

export interface RecordDeleted {
  type: 'RecordDeleted';
  schemaVersion: 1;
  data: { id: string; business_id: string; user_id: string; deleted_time: string };
}

export type RecordEvent = RecordCreated | RecordUpdated | RecordDeleted;
