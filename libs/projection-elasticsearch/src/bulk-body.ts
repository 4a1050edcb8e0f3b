import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { SinkRejection } from '@shardline/projections';
import { documentOf } from './record-document';
import type { RecordsIndexNames } from './records-index-names';

/** An event's document as the JSON text of its `_source`, ready for any generation's bulk. */
export interface BulkDocument {
  event: RecordEventEnvelope;
  source: string;
}

/** The documents of a batch (see documentOf) and the events that have none: rejected. */
export function bulkDocuments(events: readonly RecordEventEnvelope[]): { documents: BulkDocument[]; rejections: SinkRejection[] } {
  const documents: BulkDocument[] = [];
  const rejections: SinkRejection[] = [];
  for (const event of events) {
    const outcome = documentOf(event);
    if (outcome.kind === 'reject') rejections.push({ event, reason: outcome.reason });
    else documents.push({ event, source: JSON.stringify(outcome.document) });
  }
  return { documents, rejections };
}

/**
 * The ndjson body of one `_bulk` into `generation`: per document an `index` action (the record's
 * monthly index, _id = record_id, external version = stream_version) and its source. The answer's
 * items come in the same order as `documents`.
 */
export function bulkBody(names: RecordsIndexNames, generation: string, cutoffs: readonly number[], documents: readonly BulkDocument[]): string {
  let body = '';
  for (const { event, source } of documents) {
    const action = { index: { _index: names.indexOfRecord(generation, event.record_id, cutoffs), _id: event.record_id, version: event.stream_version, version_type: 'external' } };
    body += `${JSON.stringify(action)}\n${source}\n`;
  }
  return body;
}
