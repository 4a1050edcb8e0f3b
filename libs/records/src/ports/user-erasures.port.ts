import type { CommandContext } from '../commands/command-context';
import type { CommandOutcome } from '../commands/command-outcome';

export const USER_ERASURES = Symbol('UserErasures');

/** The answer to an erasure request: it runs in the background; its status URL ends with the report. */
export interface UserErasureAccepted {
  saga_id: string;
  status: 'running' | 'completed';
  status_url: string;
}

/**
 * Starts the erase-user saga for a user (202 with the status URL; a repeat with the same
 * Idempotency-Key finds the same erasure). Apps without the saga runtime bind nothing: 501.
 */
export interface UserErasures {
  start(request: { userId: string; context: CommandContext }): Promise<CommandOutcome<UserErasureAccepted>>;
}
