import { CommandContext } from '../command-context';

export interface NewRecordInput {
  businessId: string;
  userId: string;
  dataContent: Record<string, unknown>;
}

export class CreateRecord {
  constructor(
    readonly input: NewRecordInput,
    readonly context: CommandContext,
  ) {}
}
