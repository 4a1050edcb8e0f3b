/**
 * Snowflake-style 64-bit ids: 41 bits of milliseconds since SNOWFLAKE_EPOCH, 10 bits of worker id,
 * 12 bits of sequence. Ids are handed around as decimal strings because JSON numbers lose
 * precision above 2^53.
 *
 * Invariants the rest of Shardline leans on:
 * - ids from one generator strictly increase, so ordering by id orders by creation time;
 * - the creation time (and so the month partition) of a record is recoverable from its id alone
 *   (`timeOfId`), which is why the record's event stream can be partitioned by month without a
 *   lookup and why its unique key (stream, version, month) is as strong as (stream, version).
 */
export const SNOWFLAKE_EPOCH_MS = Date.UTC(2024, 0, 1);
const WORKER_BITS = 10;
const SEQUENCE_BITS = 12;
export const MAX_WORKER_ID = (1 << WORKER_BITS) - 1;
const MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1;
const TIME_SHIFT = BigInt(WORKER_BITS + SEQUENCE_BITS);

/** The worker id of each next id: a leased one (WorkerIdLease, every app) or a fixed one (tests, tools). */
export interface WorkerIdSource {
  /** The worker id this process may use now; throws when it may not mint ids (lease lost). */
  current(): number;
}

export class SnowflakeIdGenerator {
  private lastMs = -1;
  private sequence = 0;
  private lastWorkerId = -1;
  private readonly workers: WorkerIdSource;

  constructor(
    workerId: number | WorkerIdSource,
    private readonly now: () => number = Date.now,
  ) {
    if (typeof workerId === 'number') {
      checkWorkerId(workerId);
      this.workers = { current: () => workerId };
    } else {
      this.workers = workerId;
    }
  }

  next(): string {
    const workerId = this.workers.current();
    const now = this.now();
    if (workerId !== this.lastWorkerId) {
      checkWorkerId(workerId);
      // A new lease (the old one was lost): a smaller worker id in the same millisecond would give
      // a smaller id, so move on to the next millisecond to keep ids strictly increasing.
      if (this.lastWorkerId !== -1 && now <= this.lastMs) {
        this.lastMs++;
        this.sequence = -1;
      }
      this.lastWorkerId = workerId;
    }
    if (now > this.lastMs) {
      this.lastMs = now;
      this.sequence = 0;
    } else if (this.sequence < MAX_SEQUENCE) {
      // Same millisecond, or the clock stepped back: keep counting on the last timestamp so ids stay
      // monotonic instead of blocking until the wall clock catches up.
      this.sequence++;
    } else {
      // 4096 ids in one millisecond: borrow the next millisecond.
      this.lastMs++;
      this.sequence = 0;
    }
    const ms = this.lastMs - SNOWFLAKE_EPOCH_MS;
    return ((BigInt(ms) << TIME_SHIFT) | BigInt((workerId << SEQUENCE_BITS) | this.sequence)).toString();
  }
}

function checkWorkerId(workerId: number): void {
  if (!Number.isInteger(workerId) || workerId < 0 || workerId > MAX_WORKER_ID) {
    throw new RangeError(`worker id must be an integer in 0..${MAX_WORKER_ID}, got ${workerId}`);
  }
}

/** Creation time encoded in a Snowflake id. */
export function timeOfId(id: string | bigint): Date {
  return new Date(Number(BigInt(id) >> TIME_SHIFT) + SNOWFLAKE_EPOCH_MS);
}

/** The smallest id that any generator can produce at `time` (used for id-range partition bounds). */
export function firstIdAt(time: Date): string {
  return (BigInt(time.getTime() - SNOWFLAKE_EPOCH_MS) << TIME_SHIFT).toString();
}

const ID_PATTERN = /^[1-9][0-9]{0,18}$/;
const INT64_MAX = 9223372036854775807n;

/** True for a decimal string holding a positive signed 64-bit integer. */
export function isPositiveInt64(text: string): boolean {
  return ID_PATTERN.test(text) && BigInt(text) <= INT64_MAX;
}
