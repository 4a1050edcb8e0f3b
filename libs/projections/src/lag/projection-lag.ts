/** Lag of one partition, as served by GET /admin/lag (snake_case like the rest of the API). */
export interface PartitionLag {
  partition: number;
  high_watermark: string;
  /** The group's committed offset: the next message it will apply. */
  committed_offset: string;
  events_behind: number;
  /** now - occurred_at of the last event applied here; 0 when caught up; null when unknown (nothing applied yet by this process). */
  seconds_behind: number | null;
  last_applied_occurred_at: string | null;
}

export interface ProjectionLag {
  projection: string;
  group_id: string;
  topic: string;
  events_behind: number;
  /** Worst partition. */
  seconds_behind: number | null;
  partitions: PartitionLag[];
}

export function summarizeLag(projection: string, groupId: string, topic: string, partitions: PartitionLag[]): ProjectionLag {
  const known = partitions.map((p) => p.seconds_behind).filter((s): s is number => s !== null);
  const unknown = partitions.some((p) => p.seconds_behind === null);
  return {
    projection,
    group_id: groupId,
    topic,
    events_behind: partitions.reduce((sum, p) => sum + p.events_behind, 0),
    seconds_behind: unknown && known.length === 0 ? null : known.reduce((max, s) => Math.max(max, s), 0),
    partitions,
  };
}
