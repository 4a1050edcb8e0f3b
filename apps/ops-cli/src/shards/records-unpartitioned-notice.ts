/** What `migrate` prints for a shard whose `records` it left unpartitioned (over the copy limit). */
export function recordsUnpartitionedNotice(database: string, deferred: { shard: number; estimatedRows: number }): string {
  return (
    `${database}: records (~${deferred.estimatedRows} rows) is over SHARDLINE_RECORDS_PARTITION_COPY_MAX_ROWS, so it was left unpartitioned ` +
    `(everything works; month-at-a-time maintenance waits). Convert it online: npm run shards -- partition-records ${deferred.shard} --execute ` +
    `(README "Upgrading")`
  );
}
