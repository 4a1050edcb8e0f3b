import type { DeadLetter } from '../apply/dead-letter.port';

/** applied: the read model took the event this time; rejected-again: it went back to the dead-letter topic (a new letter). */
export type ResendOutcome = 'applied' | 'rejected-again';

/** One letter re-delivered by a resend run. */
export interface ResendEntry {
  letter: string;
  run: string;
  /** The live projection it was delivered to. */
  projection: string;
  outcome: ResendOutcome;
  at: string;
  /** Why it was rejected again. */
  reason?: string;
}

/** Where a letter stands: never re-sent, re-sent and applied, or re-sent and rejected again (a newer letter replaces it). */
export type LetterStatus = 'pending' | ResendOutcome;

export function statusOf(entry: ResendEntry | undefined): LetterStatus {
  return entry?.outcome ?? 'pending';
}

/**
 * What resend runs did, kept beside the dead-letter topic (Kafka: `<dlq>.resends`), so a second
 * run, or a run after an interrupted one, re-sends nothing that was already settled.
 */
export interface ResendLedger {
  /** The latest entry per letter id. */
  entries(): Promise<ReadonlyMap<string, ResendEntry>>;
  /**
   * All or nothing: the letters rejected again go back to the dead-letter topic (new letters) AND
   * the entries are recorded, or neither is visible. A run interrupted before this resolves leaves
   * its chunk pending, to be delivered again by the next run (the read models are idempotent).
   */
  record(rejectedAgain: ReadonlyArray<{ projection: string; letter: DeadLetter }>, entries: readonly ResendEntry[]): Promise<void>;
}
