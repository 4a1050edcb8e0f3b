import type { SourceMessage } from './source-message';

/** Messages of one partition as one fetch delivered them, in offset order. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: readonly SourceMessage[];
}

/** What the source offers while one partition batch is processed (Kafka: the eachBatch payload). */
export interface BatchControl {
  /** False once the rest must be left uncommitted: the runner stops, or the partition was taken away. */
  isActive(): boolean;
  /**
   * Waits out a transient failure while keeping the source's claim on the partition alive
   * (heartbeats); false when the chunk must be abandoned instead (stopping, partition lost).
   */
  wait(ms: number): Promise<boolean>;
  /**
   * Acknowledges every message before offset `next` (Kafka: commits `next` for the group, never
   * moving it backwards). Called only after the messages were applied and their dead letters acknowledged.
   */
  commit(next: bigint): Promise<void>;
}
