import { CommandContext } from '../command-context';

export class DeleteRecord {
  constructor(
    readonly businessId: string,
    readonly id: string,
    readonly expectedVersion: number | undefined,
    readonly context: CommandContext,
  ) {}
}
