import { timeOfId } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';

/** A records document as stored in Elasticsearch (_id = record_id, external _version = version). */
export interface RecordDocument {
  record_id: string;
  business_id: string;
  user_id: string;
  data_content?: unknown;
  data_text?: string;
  created_time: string;
  updated_time: string;
  version: number;
  /** Tombstone: the record was deleted at `version`. Kept (not removed) so an older event can never resurrect it. */
  deleted: boolean;
}

export type DocumentOutcome = { kind: 'document'; document: RecordDocument } | { kind: 'reject'; reason: string };

/**
 * The document an event leaves behind. Every event carries the record's full current state
 * (RecordUpdated has the merged data_content), so a document is built from its event alone: no
 * read-modify-write, and applying events in any order converges on the highest version.
 * created_time comes from the record's Snowflake id (that is how the write side sets it), which
 * RecordUpdated/RecordDeleted do not repeat.
 */
export function documentOf(event: RecordEventEnvelope): DocumentOutcome {
  const data = event.data;
  const created = timeOfId(event.record_id).toISOString();
  const base = { record_id: event.record_id, business_id: event.business_id, user_id: event.user_id, created_time: created, version: event.stream_version };
  switch (event.event_type) {
    // A moved record's copy is a new record of its new business (new id, version 1): a create there.
    case 'RecordCreated':
    case 'RecordMovedIn':
      return { kind: 'document', document: { ...base, data_content: data.data_content, data_text: textOf(data.data_content), updated_time: created, deleted: false } };
    case 'RecordUpdated':
      return {
        kind: 'document',
        document: { ...base, data_content: data.data_content, data_text: textOf(data.data_content), updated_time: String(data.updated_time), deleted: false },
      };
    case 'RecordDeleted':
      return { kind: 'document', document: { ...base, updated_time: String(data.deleted_time ?? event.occurred_at), deleted: true } };
    // The source of a move leaves its business like a deleted record: a tombstone at its last version.
    case 'RecordMovedOut':
      return { kind: 'document', document: { ...base, updated_time: String(data.moved_time ?? event.occurred_at), deleted: true } };
    // The user was erased (an event whose data key is forgotten opens as this): a tombstone at its
    // version like a delete, so no copy of the event, older or redelivered, brings the content back.
    case 'RecordErased':
      return { kind: 'document', document: { ...base, updated_time: String(data.erased_time ?? event.occurred_at), deleted: true } };
    default:
      return { kind: 'reject', reason: `unknown event type ${event.event_type} for the records search projection` };
  }
}

/** Every string and number leaf of a JSON value, one per line, for the full-text field. */
export function textOf(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' && Number.isFinite(v)) out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out.join('\n');
}
