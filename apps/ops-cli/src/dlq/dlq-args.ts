import { parseArgs } from 'node:util';
import type { LetterFilter } from '@shardline/projections';

export const DLQ_USAGE = `usage:
  ops-cli dlq list    [--projection P] [--kind decode|rejected] [--reason TEXT] [--id ID ...] [--all-statuses] [--limit N] [--json]
  ops-cli dlq inspect <id> [--open]
  ops-cli dlq resend  (--all | --id ID ... | --projection P | --kind K | --reason TEXT) [--include-resent] [--dry-run] [--json]
ids are <dlq partition>:<offset>, as dlq list shows them`;

export interface DlqArgs {
  command: string | undefined;
  positional: string[];
  filter: LetterFilter;
  all: boolean;
  allStatuses: boolean;
  includeResent: boolean;
  dryRun: boolean;
  open: boolean;
  json: boolean;
  limit: number;
}

/** Thrown for a command line the dlq commands do not take: the caller prints it with the usage. */
export class DlqUsageError extends Error {}

export function parseDlqArgs(argv: string[]): DlqArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        projection: { type: 'string' },
        kind: { type: 'string' },
        reason: { type: 'string' },
        id: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        'all-statuses': { type: 'boolean', default: false },
        'include-resent': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        open: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        limit: { type: 'string', default: '50' },
      },
    });
  } catch (error) {
    throw new DlqUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const kind = values.kind;
  if (kind !== undefined && kind !== 'decode' && kind !== 'rejected' && kind !== 'unknown') throw new DlqUsageError(`--kind must be decode, rejected or unknown, not ${kind}`);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0 || limit > 100_000) throw new DlqUsageError('--limit must be an integer 0..100000');
  // --id 0:1,0:2 and --id 0:1 --id 0:2 alike.
  const ids = values.id?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const filter: LetterFilter = {
    ...(values.projection !== undefined && { projection: values.projection }),
    ...(kind !== undefined && { kind }),
    ...(values.reason !== undefined && { reason: values.reason }),
    ...(ids !== undefined && { ids }),
  };
  return {
    command: positionals[0],
    positional: positionals.slice(1),
    filter,
    all: values.all,
    allStatuses: values['all-statuses'],
    includeResent: values['include-resent'],
    dryRun: values['dry-run'],
    open: values.open,
    json: values.json,
    limit,
  };
}

export function hasSelection(filter: LetterFilter): boolean {
  return Object.keys(filter).length > 0;
}
