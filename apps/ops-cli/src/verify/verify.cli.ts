import { recordsRebuildCommand } from './records-rebuild.command';
import { parseRebuildArgs, parseVerifyArgs, UsageError, VERIFY_USAGE } from './verify-options';
import { EXIT, verifyCommand } from './verify.command';

/** Runs `verify` or `records:rebuild`, prints its report, and sets the exit code (0 clean, 1 differs, 2 usage, 3 failed). */
export async function runVerifyCli(command: 'verify' | 'records:rebuild', argv: string[], env: Record<string, string | undefined>): Promise<void> {
  try {
    const { exitCode, output } = command === 'verify' ? await verifyCommand(parseVerifyArgs(argv), env) : await recordsRebuildCommand(parseRebuildArgs(argv), env);
    console.log(output);
    process.exitCode = exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${VERIFY_USAGE}`);
      process.exitCode = EXIT.usage;
      return;
    }
    console.error(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT.failed;
  }
}
