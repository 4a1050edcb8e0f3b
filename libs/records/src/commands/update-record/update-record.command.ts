import { CommandContext } from '../command-context';

export class UpdateRecord {
  constructor(
    readonly businessId: string,
    readonly id: string,
    /** RFC 7386 merge patch applied to data_content. */
    readonly patch: Record<string, unknown>,
    /** From If-Match: refuse unless the record is at exactly this version. */
    readonly expectedVersion: number | undefined,
    readonly context: CommandContext,
  ) {}
}
