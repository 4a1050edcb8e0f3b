import { CommandContext } from '../command-context';

/**
 * Erase a user everywhere (docs/adr/0005): their data key is forgotten (every sealed copy of their
 * event payloads becomes unreadable), their records are deleted on every shard, and the read models
 * drop them. Irreversible; run by the erase-user saga, answered with its status URL and, once done,
 * a report of what each store held.
 */
export class EraseUser {
  readonly type = 'EraseUser';
  constructor(
    readonly data: { userId: string },
    readonly metadata: CommandContext,
  ) {}
}
