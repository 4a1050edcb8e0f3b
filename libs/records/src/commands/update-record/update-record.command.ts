import { RecordTarget } from '../../domain/record.preconditions';
import { CommandContext } from '../command-context';

export interface RecordPatch extends RecordTarget {
  /** RFC 7386 merge patch applied to data_content. */
  patch: Record<string, unknown>;
}

/** Merge-patch one record's data_content. */
export class UpdateRecord {
  readonly type = 'UpdateRecord';
  constructor(
    readonly data: RecordPatch,
    readonly metadata: CommandContext,
  ) {}
}
