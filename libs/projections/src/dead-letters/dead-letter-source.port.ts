import type { StoredDeadLetter } from './stored-dead-letter';

/** Reads the dead-letter topic. */
export interface DeadLetterSource {
  /**
   * Every retained letter from the oldest to the end of the topic as of the call, in batches, in
   * order per partition. `keepAlive` keeps the read alive while a batch is handled for long (a
   * resend waiting out a read model that is down). `complete` is false when the end could not be
   * reached (an open transaction of another resend run that did not finish in time).
   */
  scan(visit: (letters: StoredDeadLetter[], keepAlive: () => Promise<void>) => Promise<void>): Promise<{ complete: boolean }>;
  /** The letter with this id, or why there is none (expired by retention, never written). */
  read(id: string): Promise<StoredDeadLetter | { missing: string }>;
}
