/**
 * Fields as clients spell them in a command — the REST body and the Kafka message alike — so that
 * an error points at the same place whichever transport carried the command (`details[].field`).
 * The domain names its fields this way; it never receives a path from a transport.
 */
export const RecordFields = {
  dataContent: 'data_content',
  batchRecords: 'data',
  atomic: 'atomic',
  moveFrom: 'from_business_id',
  moveTo: 'to_business_id',
  moveRecordIds: 'record_ids',
} as const;

/** The index-th record of a batch command: `data[3]`. */
export function batchRecordPath(index: number): string {
  return `${RecordFields.batchRecords}[${index}]`;
}

/** A field of the index-th record of a batch command: `data[3].data_content`. */
export function batchRecordField(index: number, field: string): string {
  return `${batchRecordPath(index)}.${field}`;
}
