import { z } from 'zod';

export const kafkaConfigSchema = z.object({
  brokers: z.array(z.string().regex(/^[^:,\s]+:\d{1,5}$/, 'brokers are host:port')).min(1),
  clientId: z.string().min(1).max(200),
  /** How long a connect/request may take before the client gives up (ms). */
  connectionTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(3000),
  requestTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(30_000),
});
export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;

/**
 * Kafka settings from an environment map (apps pass process.env; libs never read it):
 * SHARDLINE_KAFKA_BROKERS (comma-separated host:port, default 127.0.0.1:9092),
 * SHARDLINE_KAFKA_CLIENT_ID (default: the given app name).
 */
export function kafkaConfigFromEnv(env: Record<string, string | undefined>, appName: string): KafkaConfig {
  return kafkaConfigSchema.parse({
    brokers: (env.SHARDLINE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    clientId: env.SHARDLINE_KAFKA_CLIENT_ID ?? `shardline-${appName}`,
    connectionTimeoutMs: env.SHARDLINE_KAFKA_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: env.SHARDLINE_KAFKA_REQUEST_TIMEOUT_MS,
  });
}
