import { z } from 'zod';
import { TOPICS } from '@shardline/integration-events';
import { kafkaConfigFromEnv } from '@shardline/kafka';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { userKeysConfigFromEnv } from '@shardline/user-keys';

const relayEnvSchema = z.object({
  /** Outbox rows read and published per cycle (one produce call, split by size if needed). */
  SHARDLINE_RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /**
   * Wait after publishing a batch that was not full before reading again (ms): rows arriving
   * meanwhile go out together (fewer lease checks, reads, produce requests and deletes per event).
   * Adds at most this to the lag; a full batch is followed at once. 0: read again at once.
   * 25: bench/README.md "cost per event per stage" (Kafka broker -37 µs/event at 2,000/s); 10 cost
   * the relay ~20 µs/event more at 2,000/s (bench/pipeline/README.md "relay linger and idle").
   */
  SHARDLINE_RELAY_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(25),
  /**
   * Longest wait between polls of an empty outbox (the wait starts at 5 ms and doubles up to this):
   * a burst after a short pause waits up to this long before its first read. 20 (was 100): Kafka lag
   * p50 39-65 ms instead of 71-85 at 4,000/s (same README section); the quiet tier below keeps an
   * idle relay's polling as cheap as it was at 100.
   */
  SHARDLINE_RELAY_IDLE_MS: z.coerce.number().int().min(1).max(10_000).default(20),
  /**
   * Once a shard's outbox has been empty SHARDLINE_RELAY_QUIET_AFTER_MS, its polls go on doubling up
   * to this (ms): a quiet relay polls each shard ~10 times a second instead of 50, and the first
   * write after a quiet spell waits up to this long. Set it to SHARDLINE_RELAY_IDLE_MS to turn it off.
   */
  SHARDLINE_RELAY_QUIET_IDLE_MS: z.coerce.number().int().min(1).max(10_000).default(100),
  SHARDLINE_RELAY_QUIET_AFTER_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  /**
   * wait_timeout of the lock's session: a holder that vanished without a TCP reset (host crash,
   * freeze, partition) loses its shard after this many seconds of silence (the server's default is 8 h).
   */
  SHARDLINE_RELAY_LEASE_SESSION_TIMEOUT_S: z.coerce.number().int().min(2).max(3600).default(30),
  /** How often a standby tries to take a shard's lock: the failover delay after the holder died. */
  SHARDLINE_RELAY_LEASE_RETRY_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Cap of the exponential backoff after a failed publish (Kafka down) or outbox error. */
  SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(300_000).default(10_000),
  /** Topic the relay publishes to; the same variable tells the projector what to consume (tests use a private one). */
  SHARDLINE_EVENTS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name').default(TOPICS.events),
  SHARDLINE_RELAY_COMPRESSION: z.enum(['none', 'gzip']).default('none'),
  /**
   * Seal the personal content of every event with its user's data key (envelope version 2), so that
   * erasing the user makes every Kafka copy unreadable. false publishes version 1 in clear: copies
   * published that way cannot be erased from Kafka (only by retention).
   */
  SHARDLINE_RELAY_SEAL: z.enum(['true', 'false']).default('true'),
  /** A publish not acknowledged within this time is abandoned (rows kept) and retried with a new producer. */
  SHARDLINE_RELAY_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** Ops port (metrics, health, admin) takes no keys: loopback unless deployed behind a private network (README "Security"). */
  SHARDLINE_RELAY_OPS_HOST: z.string().default('127.0.0.1'),
  SHARDLINE_RELAY_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Longest a graceful shutdown waits for in-flight batches before exiting anyway (they are republished later). */
  SHARDLINE_RELAY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  SHARDLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RelayConfig = ReturnType<typeof relayConfigFromEnv>;

/** The only place the relay reads process.env; every setting is validated and has a default. */
export function relayConfigFromEnv(env: Record<string, string | undefined>) {
  const parsed = relayEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    sharding: shardingConfigFromEnv(env),
    kafka: kafkaConfigFromEnv(env, 'relay'),
    topic: e.SHARDLINE_EVENTS_TOPIC,
    compression: e.SHARDLINE_RELAY_COMPRESSION,
    seal: e.SHARDLINE_RELAY_SEAL === 'true',
    userKeys: userKeysConfigFromEnv(env),
    publishTimeoutMs: e.SHARDLINE_RELAY_PUBLISH_TIMEOUT_MS,
    relay: {
      batchSize: e.SHARDLINE_RELAY_BATCH_SIZE,
      lingerMs: e.SHARDLINE_RELAY_LINGER_MS,
      idleMaxMs: e.SHARDLINE_RELAY_IDLE_MS,
      idleMinMs: Math.min(5, e.SHARDLINE_RELAY_IDLE_MS),
      idleQuietAfterMs: e.SHARDLINE_RELAY_QUIET_AFTER_MS,
      idleQuietMaxMs: e.SHARDLINE_RELAY_QUIET_IDLE_MS,
      leaseRetryMs: e.SHARDLINE_RELAY_LEASE_RETRY_MS,
      errorBackoffMinMs: Math.min(100, e.SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS),
      errorBackoffMaxMs: e.SHARDLINE_RELAY_ERROR_BACKOFF_MAX_MS,
      // An idle leader proves its lock once a second, and always well within the lock session's
      // wait_timeout: those proofs are the queries that keep the session alive.
      leaseProofIdleMs: Math.min(1000, (e.SHARDLINE_RELAY_LEASE_SESSION_TIMEOUT_S * 1000) / 4),
    },
    leaseSessionTimeoutS: e.SHARDLINE_RELAY_LEASE_SESSION_TIMEOUT_S,
    ops: { host: e.SHARDLINE_RELAY_OPS_HOST, port: e.SHARDLINE_RELAY_OPS_PORT },
    shutdownTimeoutMs: e.SHARDLINE_RELAY_SHUTDOWN_TIMEOUT_MS,
    logLevel: e.SHARDLINE_LOG_LEVEL,
  };
}
