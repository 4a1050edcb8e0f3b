export interface PartitionWatermarks {
  partition: number;
  /** Earliest retained offset. */
  low: bigint;
  /** Offset the next message appended to the partition will get. */
  high: bigint;
}

/** What the broker knows about a topic and a consumer group's progress on it (Kafka: the admin API). */
export interface TopicOffsetsPort {
  topicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  /** The group's committed offsets (next offset it will consume), per partition; -1 where it never committed. */
  groupOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
}
