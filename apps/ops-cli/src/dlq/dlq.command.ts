import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { cachedMysqlUserKeys } from '@shardline/user-keys/mysql';
import { DLQ_USAGE, DlqUsageError, hasSelection, parseDlqArgs } from './dlq-args';
import { openDlqContext, type DlqContext } from './dlq-context';
import { dlqInspect } from './dlq-inspect.command';
import { dlqList, formatDlqList } from './dlq-list.command';
import { dlqResend, formatResendReport } from './dlq-resend.command';

/** Exit codes: 0 done; 1 failed; 2 bad command line; 3 resend done but some letters were rejected again; 4 inspect: no such letter. */
export const DLQ_EXIT = { ok: 0, failed: 1, usage: 2, rejectedAgain: 3, missing: 4 } as const;

export interface DlqCommandOptions {
  /** Where answers go (stdout). */
  out?: (text: string) => void;
  /** Test hook of the resend ledger (see KafkaResendLedger). */
  beforeCommit?: () => Promise<void>;
  /** Names the resend run (tests); default newResendRunId(). */
  run?: string;
}

/** `ops-cli dlq <list|inspect|resend> ...`: resolves with the exit code. */
export async function dlqCommand(argv: string[], env: Record<string, string | undefined>, options: DlqCommandOptions = {}): Promise<number> {
  const out = options.out ?? ((text: string) => console.log(text));
  let args;
  try {
    args = parseDlqArgs(argv);
    if (args.command === 'inspect' && args.positional.length !== 1) throw new DlqUsageError('dlq inspect takes one letter id');
    if (args.command === 'resend' && !args.all && !hasSelection(args.filter)) throw new DlqUsageError('say which letters to resend: --all, or --id / --projection / --kind / --reason');
    if (args.command === 'resend' && args.all && hasSelection(args.filter)) throw new DlqUsageError('--all re-sends every pending letter: leave the other selectors out, or drop --all');
    if (!['list', 'inspect', 'resend'].includes(args.command ?? '')) throw new DlqUsageError(`unknown dlq command ${args.command ?? '(none)'}`);
  } catch (error) {
    if (!(error instanceof DlqUsageError)) throw error;
    out(`${error.message}\n${DLQ_USAGE}`);
    return DLQ_EXIT.usage;
  }
  const context = await openDlqContext(env, { beforeCommit: options.beforeCommit });
  try {
    switch (args.command) {
      case 'list': {
        const result = await dlqList(context, args);
        out(args.json ? JSON.stringify(result, null, 2) : formatDlqList(result));
        return DLQ_EXIT.ok;
      }
      case 'inspect': {
        const result = await withKeys(context, env, args.open, (keys) => dlqInspect(context, args.positional[0], keys));
        out(JSON.stringify(result, null, 2));
        return 'missing' in result ? DLQ_EXIT.missing : DLQ_EXIT.ok;
      }
      default: {
        const report = await withKeys(context, env, true, (keys) => dlqResend(context, args, keys!, options.run));
        out(args.json ? JSON.stringify(report, null, 2) : formatResendReport(report));
        return report.rejectedAgain > 0 ? DLQ_EXIT.rejectedAgain : DLQ_EXIT.ok;
      }
    }
  } finally {
    await context.close();
  }
}

/** The users' data keys from the control database, as the projector reads them (only when needed). */
async function withKeys<T>(context: DlqContext, env: Record<string, string | undefined>, needed: boolean, action: (keys: ReturnType<typeof cachedMysqlUserKeys> | null) => Promise<T>): Promise<T> {
  if (!needed) return action(null);
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  try {
    return await action(cachedMysqlUserKeys(databases.control, context.config.userKeys));
  } finally {
    await databases.destroy();
  }
}
