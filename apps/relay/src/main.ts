import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { relayConfigFromEnv } from './config';
import { startRelayApp } from './create-relay-app';

async function main(): Promise<void> {
  const config = relayConfigFromEnv(process.env);
  const app = await startRelayApp(config);
  // Graceful shutdown: stop polling, let in-flight publish+delete finish, release the shard
  // locks (standbys take over within their retry interval), close connections. A second signal
  // forces the exit; nothing is lost either way (unpublished rows stay in the outbox).
  exitGracefullyOnSignals(() => app.stop());
}

runMain(main);
