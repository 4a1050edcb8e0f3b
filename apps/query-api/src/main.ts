import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { queryApiConfigFromEnv } from './config';
import { createQueryApiApp } from './create-query-api-app';

async function main(): Promise<void> {
  const config = queryApiConfigFromEnv(process.env);
  const app = await createQueryApiApp(config);
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log(`shardline query-api listening on ${await app.getUrl()} (cache ${config.cache.enabled ? 'on' : 'off'})`);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
