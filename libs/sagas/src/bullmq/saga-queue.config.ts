import type { ConnectionOptions } from 'bullmq';

export interface SagaQueueConfig {
  /** Redis of the step jobs (BullMQ): `redis://host:port/db`. */
  redisUrl: string;
  /** BullMQ key prefix; tests use a random one so they never see each other's jobs. */
  prefix: string;
  /** Queue name. */
  queue: string;
}

/** BullMQ connection options from a redis:// URL (workers need maxRetriesPerRequest null: they block on Redis). */
export function bullmqConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}
