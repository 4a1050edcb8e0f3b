import { FieldIssue, hasErrorCode, hasErrorKind, ValidationError } from '@shardline/errors';
import { RecordTooLargeError } from '../../domain/record.errors';
import { RecordEvent } from '../../domain/record.events';
import { initialState } from '../../domain/record.evolve';
import { batchRecordField, RecordFields } from '../../domain/record.fields';
import { RecordLimits } from '../../domain/record.limits';
import { RecordState } from '../../domain/record.state';
import { CreateRecord } from '../create-record/create-record.command';
import { DecisionStamp, stamped } from '../record.commands';
import { decideAndEvolve } from '../record.decider';
import { CreateRecordsBatch } from './create-records-batch.command';

/** One record of an accepted batch, decided as the CreateRecord it stands for. */
export interface BatchRecordDecision {
  index: number;
  businessId: string;
  recordId: string;
  events: RecordEvent[];
  after: RecordState | null;
}

/**
 * The batch's own rules, before any record is looked at: 1..10,000 records, atomic or not.
 * Exported so that REST can refuse an oversized body before parsing its records;
 * decideCreateRecordsBatch applies it first in any case.
 */
export function assertBatchAcceptable(recordCount: number): void {
  if (recordCount === 0) throw new ValidationError([{ field: RecordFields.batchRecords, message: 'must hold at least one record' }]);
  if (recordCount > RecordLimits.batchMaxRecords) {
    throw new RecordTooLargeError([
      { field: RecordFields.batchRecords, message: `holds ${recordCount} records; the limit is ${RecordLimits.batchMaxRecords}` },
    ]);
  }
}

/**
 * A batch is decided whole before anything is written:
 *   1. its own rules (assertBatchAcceptable);
 *   2. each record as the CreateRecord it stands for, stamped by `stampOf` (a fresh id each);
 *   3. a record refused (invalid: 400, too large: 413) refuses the batch, which names every such
 *      record by its place in the command (`data[3].data_content`), the same for every transport.
 */
export function decideCreateRecordsBatch(batch: CreateRecordsBatch, stampOf: () => DecisionStamp): BatchRecordDecision[] {
  assertBatchAcceptable(batch.data.records.length);
  const decided: BatchRecordDecision[] = [];
  const tooLarge: FieldIssue[] = [];
  const invalid: FieldIssue[] = [];
  batch.data.records.forEach((record, index) => {
    const command = stamped(new CreateRecord(record, batch.metadata), stampOf());
    try {
      decided.push({ index, businessId: record.businessId, recordId: command.metadata.recordId, ...decideAndEvolve(command, initialState()) });
    } catch (error) {
      if (!hasErrorKind(error, 'too-large', 'validation')) throw error;
      const refusals = hasErrorCode(error, RecordTooLargeError.CODE) ? tooLarge : invalid;
      refusals.push(...error.details.map((issue) => ({ ...issue, field: batchRecordField(index, issue.field) })));
    }
  });
  if (invalid.length > 0) throw new ValidationError(invalid);
  if (tooLarge.length > 0) throw new RecordTooLargeError(tooLarge);
  return decided;
}
