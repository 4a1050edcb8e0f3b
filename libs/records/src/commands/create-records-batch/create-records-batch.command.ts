import { CommandContext } from '../command-context';
import { NewRecordInput } from '../create-record/create-record.command';

export class CreateRecordsBatch {
  constructor(
    readonly records: NewRecordInput[],
    readonly context: CommandContext,
  ) {}
}

export type BatchItemResult =
  | { index: number; status: 201; id: string; version: number; business_id: string }
  | { index: number; status: 503; error: { code: string; message: string } };

export interface BatchResult {
  results: BatchItemResult[];
  created: number;
  failed: number;
}
