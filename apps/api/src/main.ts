import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { apiConfigFromEnv } from './config';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = apiConfigFromEnv(process.env);
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = app.get(Logger);
  logger.log(`shardline api listening on ${await app.getUrl()} (${config.records.sharding.shards.length} shards)`);
  // Graceful shutdown: stop accepting, let in-flight commands and their group commits finish
  // (module destroy hooks drain the committers), close pools, then exit normally (so that exit
  // hooks such as --cpu-prof run). A second signal forces the exit.
  const shutdown = (signal: NodeJS.Signals) => {
    process.once(signal, () => process.exit(130));
    logger.log(`${signal}: shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});

