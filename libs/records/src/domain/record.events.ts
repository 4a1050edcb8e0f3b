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

/**
 * The first event of a record's new stream when a move brought it from another business (the
 * move-records saga): the full state under the new business and id, and where it came from — the
 * source stream ends with RecordMovedOut at `moved_from.version + 1`, so the two histories reference
 * each other. created_time is the new id's time (ids are time-ordered; pages and read models rely on
 * it); the source's creation time travels in `moved_from`.
 */
export interface RecordMovedIn {
  type: 'RecordMovedIn';
  schemaVersion: 1;
  data: {
    id: string;
    business_id: string;
    user_id: string;
    data_content: Record<string, unknown>;
    created_time: string;
    moved_from: { business_id: string; id: string; version: number; created_time: string };
  };
}

/** The last event of a moved record's source stream: it lives on as `to` (consumers treat it as a deletion here). */
export interface RecordMovedOut {
  type: 'RecordMovedOut';
  schemaVersion: 1;
  data: { id: string; business_id: string; user_id: string; moved_time: string; to: { business_id: string; id: string } };
}

/**
 * The last event of a record erased with its user (the erase-user saga, docs/adr/0005): like a
 * deletion for every consumer, and it carries no content. The stream's earlier payloads were sealed
 * with the user's key, which the erasure forgot.
 */
export interface RecordErased {
  type: 'RecordErased';
  schemaVersion: 1;
  data: { id: string; business_id: string; user_id: string; erased_time: string };
}

export type RecordEvent = RecordCreated | RecordUpdated | RecordDeleted | RecordMovedIn | RecordMovedOut | RecordErased;
