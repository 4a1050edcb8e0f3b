import { z } from 'zod';
import { groupCommitConfigFromEnv } from '@shardline/event-store';
import { workerIdLeaseConfigFromEnv } from '@shardline/ids';
import { authConfigFromEnv } from '@shardline/auth';
import { TOPICS } from '@shardline/integration-events';
import { kafkaConfigFromEnv } from '@shardline/kafka';
import { recordsCacheConfigFromEnv } from '@shardline/records-cache';
import { recordsSagasConfigFromEnv } from '@shardline/records-sagas';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { sealingConfigFromEnv } from '@shardline/user-keys';

const intakeEnvSchema = z.object({
  SHARDLINE_COMMANDS_TOPIC: z.string().min(1).default(TOPICS.commands),
  SHARDLINE_COMMAND_RESULTS_TOPIC: z.string().min(1).default(TOPICS.commandResults),
  SHARDLINE_COMMAND_INTAKE_GROUP_ID: z.string().min(1).default('shardline-command-intake'),
  /** Cap of the backoff between attempts to reach Kafka (at start, or after kafkajs gave up on the consumer). */
  SHARDLINE_COMMAND_INTAKE_KAFKA_RETRY_MAX_MS: z.coerce.number().int().min(10).max(300_000).default(10_000),
  /** Ops port (metrics, health, admin) takes no keys: loopback unless deployed behind a private network (README "Security"). */
  SHARDLINE_OPS_HOST: z.string().default('127.0.0.1'),
  SHARDLINE_COMMAND_INTAKE_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
  /** How a message proves its right: its own API key (header `authorization: Bearer sl_…`), or the topic's ACLs (README "Security"). */
  SHARDLINE_INTAKE_AUTH: z.enum(['keys', 'trusted-topic']).default('keys'),
  /** trusted-topic: the actor of the events of every message (e.g. the producing service's name). */
  SHARDLINE_INTAKE_ACTOR: z.string().min(1).max(255).optional(),
  /** trusted-topic: business_id prefixes the topic may write (comma-separated); absent: every business. */
  SHARDLINE_INTAKE_BUSINESS_PREFIXES: z.string().min(1).optional(),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type CommandIntakeConfig = ReturnType<typeof commandIntakeConfigFromEnv>;

/** The only place the command intake reads process.env; every setting is validated and has a default. */
export function commandIntakeConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = intakeEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  if (e.SHARDLINE_INTAKE_AUTH === 'trusted-topic' && !e.SHARDLINE_INTAKE_ACTOR) throw new Error('invalid configuration: SHARDLINE_INTAKE_ACTOR is required with SHARDLINE_INTAKE_AUTH=trusted-topic');
  const auth = authConfigFromEnv(env);
  return {
    kafka: kafkaConfigFromEnv(env, 'command-intake'),
    topics: { commands: e.SHARDLINE_COMMANDS_TOPIC, results: e.SHARDLINE_COMMAND_RESULTS_TOPIC },
    groupId: e.SHARDLINE_COMMAND_INTAKE_GROUP_ID,
    kafkaRetryMaxMs: e.SHARDLINE_COMMAND_INTAKE_KAFKA_RETRY_MAX_MS,
    ops: { host: e.SHARDLINE_OPS_HOST, port: e.SHARDLINE_COMMAND_INTAKE_OPS_PORT },
    logLevel: e.SHARDLINE_LOG_LEVEL,
    auth: {
      ...auth,
      intake: !auth.required
        ? ({ mode: 'off' } as const)
        : e.SHARDLINE_INTAKE_AUTH === 'keys'
          ? ({ mode: 'keys' } as const)
          : ({ mode: 'trusted-topic', actor: e.SHARDLINE_INTAKE_ACTOR!, businessPrefixes: e.SHARDLINE_INTAKE_BUSINESS_PREFIXES?.split(',').map((p) => p.trim()).filter(Boolean) ?? null } as const),
    },
    cache: recordsCacheConfigFromEnv(env),
    /** Atomic batches (create_batch with atomic: true) through the atomic-batch saga; null: 501. */
    sagas: recordsSagasConfigFromEnv(env),
    records: {
      sharding: shardingConfigFromEnv(env),
      workerIds: workerIdLeaseConfigFromEnv(env, 'command-intake'),
      sealing: sealingConfigFromEnv(env),
      groupCommit: groupCommitConfigFromEnv(env),
    },
  };
}
