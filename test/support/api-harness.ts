import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShardingConfig } from '@shardline/sharding';
import { apiConfigFromEnv } from '../../apps/api/src/config';
import { createApiApp } from '../../apps/api/src/create-api-app';

/** Runs the real API app in-process on an ephemeral port against the given shards (auth off unless env says SHARDLINE_AUTH=required: test/auth). */
export async function startApi(sharding: ShardingConfig, env: Record<string, string> = {}): Promise<ApiHarness> {
  // A private saga queue per harness, so tests never pick up each other's saga jobs.
  const config = apiConfigFromEnv({ SHARDLINE_AUTH: 'off', SHARDLINE_LOG_LEVEL: 'error', SHARDLINE_ACCESS_LOG: 'off', SHARDLINE_RATE_LIMIT_ENABLED: 'false', SHARDLINE_SAGA_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`, ...env });
  const app = await createApiApp({ ...config, records: { ...config.records, sharding } });
  await app.listen(0, '127.0.0.1');
  return new ApiHarness(app, await app.getUrl());
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class ApiHarness {
  constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(this.url.replace('[::1]', '127.0.0.1') + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/** Asserts a response's status and shows its body when it differs, so a failure explains itself. */
export function expectStatus(response: ApiResponse, status: number): void {
  if (response.status !== status) throw new Error(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
}
