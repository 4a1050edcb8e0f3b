import { timeOfId } from '@shardline/ids';
import { monthKeyOf } from '@shardline/event-store';

/**
 * The event tables' month partition of a record's stream. Partitions are a storage decision, so
 * this lives beside the runner (application layer), not in domain/: the domain fact it rests on is
 * the record's creation time, which its Snowflake id carries, so the month is fixed for the
 * stream's life. The event store's port keeps taking the month on each write (its contract suite
 * and partition maintenance are built around that).
 */
export function partitionMonthOf(recordId: string): number {
  return monthKeyOf(timeOfId(recordId));
}
