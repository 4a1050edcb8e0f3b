import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';

/** A Fastify instance to mount Bull Board on (the api's); typed loosely so this lib needs no Fastify types. */
export interface PluginHost {
  register(plugin: unknown, options: { prefix: string }): unknown;
}

/**
 * Mounts Bull Board (queues, jobs, failures, retries by hand) at `basePath` of a Fastify server.
 * The saga admin API is the operators' main tool; the board shows the queue underneath it.
 */
export async function mountBullBoard(host: PluginHost, queues: Queue[], basePath = '/admin/queues'): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  serverAdapter.setBasePath(basePath);
  await host.register(serverAdapter.registerPlugin(), { prefix: basePath });
}
