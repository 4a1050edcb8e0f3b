import { z } from 'zod';
import { createElasticsearchClient, ElasticsearchIndexLifecycle, type RetentionReport, type RolloverReport } from '@shardline/projection-elasticsearch';
import { projectorConfigFromEnv } from '../../../projector/src/config';

const GB = 1024 ** 3;

export const elasticsearchLifecycleSchema = z.object({
  /** SHARDLINE_ES_RETENTION_MONTHS: whole months of records (by creation) kept searchable before the current one; 0 = all. */
  retentionMonths: z.coerce.number().int().min(0).max(1200),
  /** SHARDLINE_ES_ROLLOVER_MAX_SHARD_GB: primary store per primary shard that rolls the month's index over. */
  maxShardGb: z.coerce.number().positive().max(1000),
  /** SHARDLINE_ES_ROLLOVER_MAX_SHARD_DOCS: documents per primary shard that roll it over. */
  maxShardDocs: z.coerce.number().int().min(1),
  /** SHARDLINE_ES_ROLLOVER_LEAD_S: how far ahead the cutoff is set (> clock skew between id minters and the job). */
  leadSeconds: z.coerce.number().int().min(1).max(86_400),
});
export type ElasticsearchLifecycle = z.infer<typeof elasticsearchLifecycleSchema>;

export function elasticsearchLifecycleFromEnv(env: Record<string, string | undefined>): ElasticsearchLifecycle {
  return elasticsearchLifecycleSchema.parse({
    retentionMonths: env.SHARDLINE_ES_RETENTION_MONTHS ?? 13,
    maxShardGb: env.SHARDLINE_ES_ROLLOVER_MAX_SHARD_GB ?? 40,
    maxShardDocs: env.SHARDLINE_ES_ROLLOVER_MAX_SHARD_DOCS ?? 150_000_000,
    leadSeconds: env.SHARDLINE_ES_ROLLOVER_LEAD_S ?? 300,
  });
}

export interface ElasticsearchMaintenanceReport {
  rollover: RolloverReport;
  retention?: RetentionReport;
}

/** The Elasticsearch part of the maintenance job: a size check of the current segment, then retention. */
export async function maintainElasticsearch(env: Record<string, string | undefined>, now?: () => Date): Promise<ElasticsearchMaintenanceReport> {
  const es = projectorConfigFromEnv({ ...env, SHARDLINE_PROJECTIONS: 'elasticsearch' }).elasticsearch;
  const lifecycle = elasticsearchLifecycleFromEnv(env);
  const client = createElasticsearchClient(es.client);
  try {
    const indices = new ElasticsearchIndexLifecycle(client, es.indexBase, now);
    const rollover = await indices.rolloverIfDue({
      maxPrimaryShardBytes: lifecycle.maxShardGb * GB,
      maxPrimaryShardDocs: lifecycle.maxShardDocs,
      leadMs: lifecycle.leadSeconds * 1000,
    });
    const retention = await indices.deleteExpired(lifecycle.retentionMonths);
    return { rollover, retention };
  } finally {
    await client.close();
  }
}
