import { timeOfId } from '@shardline/ids';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { SinkRejection } from '@shardline/projections';
import { documentOf, textOf } from './record-document';
import type { RecordsIndexNames } from './records-index-names';

/** An event's document as the JSON text of its `_source`, ready for any generation's bulk. */
export interface BulkDocument {
  event: RecordEventEnvelope;
  source: string;
  /** The record's creation (epoch ms, from its Snowflake id): its monthly index. */
  createdMs: number;
}

/**
 * The documents of a batch and the events that have none: rejected. Each source is the text
 * JSON.stringify(documentOf(event).document) gives (a test holds them together), written directly:
 * no document object, and the record's creation time read from its id once for both the document
 * and the index name.
 */
export function bulkDocuments(events: readonly RecordEventEnvelope[]): { documents: BulkDocument[]; rejections: SinkRejection[] } {
  const documents: BulkDocument[] = [];
  const rejections: SinkRejection[] = [];
  for (const event of events) {
    const live = LIVE_TIMES.get(event.event_type);
    const tombstone = TOMBSTONE_TIMES.get(event.event_type);
    if (live === undefined && tombstone === undefined) {
      const outcome = documentOf(event);
      rejections.push({ event, reason: outcome.kind === 'reject' ? outcome.reason : `no document for ${event.event_type}` });
      continue;
    }
    const createdMs = timeOfId(event.record_id).getTime();
    const created = new Date(createdMs).toISOString();
    const data = event.data;
    let source = `{${prop('record_id', event.record_id)}${prop('business_id', event.business_id)}${prop('user_id', event.user_id)}${prop('created_time', created)}${prop('version', event.stream_version)}`;
    if (live !== undefined) {
      const updated = live === null ? created : String(data[live]);
      source += `${prop('data_content', data.data_content)}${prop('data_text', textOf(data.data_content))}${prop('updated_time', updated)}"deleted":false}`;
    } else {
      source += `${prop('updated_time', String(data[tombstone!] ?? event.occurred_at))}"deleted":true}`;
    }
    documents.push({ event, source, createdMs });
  }
  return { documents, rejections };
}

/** Live documents by event type: the data field their updated_time comes from (null: the creation time). See documentOf. */
const LIVE_TIMES = new Map<string, string | null>([
  ['RecordCreated', null],
  ['RecordMovedIn', null],
  ['RecordUpdated', 'updated_time'],
]);
/** Tombstones by event type: the data field their updated_time comes from (else occurred_at). See documentOf. */
const TOMBSTONE_TIMES = new Map<string, string>([
  ['RecordDeleted', 'deleted_time'],
  ['RecordMovedOut', 'moved_time'],
  ['RecordErased', 'erased_time'],
]);

/** `"key":value,` as JSON.stringify writes a property of an object, or nothing for a value it leaves out (undefined). */
function prop(key: string, value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? '' : `"${key}":${json},`;
}

/**
 * The ndjson body of one `_bulk` into `generation`: per document an `index` action (the record's
 * monthly index, _id = record_id, external version = stream_version) and its source. The answer's
 * items come in the same order as `documents`.
 */
export function bulkBody(names: RecordsIndexNames, generation: string, cutoffs: readonly number[], documents: readonly BulkDocument[]): string {
  const indexOf = monthIndexMemo(names, generation, cutoffs);
  let body = '';
  for (const { event, source, createdMs } of documents) {
    body += `{"index":{${prop('_index', indexOf(createdMs))}${prop('_id', event.record_id)}${prop('version', event.stream_version)}"version_type":"external"}}\n${source}\n`;
  }
  return body;
}

/**
 * names.segmentIndex for creation times, remembering the last month that no rollover cutoff
 * splits: every record of it goes to the same index (a batch's records are mostly of one month).
 */
function monthIndexMemo(names: RecordsIndexNames, generation: string, cutoffs: readonly number[]): (createdMs: number) => string {
  let from = 0;
  let to = -1;
  let index = '';
  return (createdMs) => {
    if (createdMs >= from && createdMs < to) return index;
    const at = new Date(createdMs);
    const name = names.segmentIndex(generation, at, cutoffs);
    const monthStart = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
    const nextMonth = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
    if (!cutoffs.some((c) => c > monthStart && c < nextMonth)) [from, to, index] = [monthStart, nextMonth, name];
    return name;
  };
}
