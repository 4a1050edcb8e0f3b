import { ShardingConfig } from '@shardline/sharding';
import { queryApiConfigFromEnv } from '../../apps/query-api/src/config';
import { createQueryApiApp } from '../../apps/query-api/src/create-query-api-app';
import { QueryApiHooks } from '../../apps/query-api/src/app.module';
import { ApiHarness } from './api-harness';

/** Runs the real query-api app in-process on an ephemeral port against the given shards. */
export async function startQueryApi(sharding: ShardingConfig, env: Record<string, string> = {}, hooks: QueryApiHooks = {}): Promise<ApiHarness> {
  const config = queryApiConfigFromEnv({ SHARDLINE_AUTH: 'off', SHARDLINE_LOG_LEVEL: 'error', SHARDLINE_ACCESS_LOG: 'off', SHARDLINE_RATE_LIMIT_ENABLED: 'false', ...env });
  const app = await createQueryApiApp({ ...config, sharding }, hooks);
  await app.listen(0, '127.0.0.1');
  return new ApiHarness(app, await app.getUrl());
}
