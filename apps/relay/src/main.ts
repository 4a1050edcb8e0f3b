import { relayConfigFromEnv } from './config';
import { startRelayApp } from './create-relay-app';

async function main(): Promise<void> {
  const config = relayConfigFromEnv(process.env);
  const app = await startRelayApp(config);
  // Graceful shutdown: stop polling, let in-flight publish+delete finish, release the shard
  // locks (standbys take over within their retry interval), close connections. A second signal
  // forces the exit; nothing is lost either way (unpublished rows stay in the outbox).
  const shutdown = () => {
    process.once('SIGTERM', () => process.exit(130));
    process.once('SIGINT', () => process.exit(130));
    app.stop().then(
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
