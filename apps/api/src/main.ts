import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { apiConfigFromEnv } from './config';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = apiConfigFromEnv(process.env);
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log(`shardline api listening on ${await app.getUrl()} (${config.records.sharding.shards.length} shards)`);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});

