import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { projectorConfigFromEnv } from './config';
import { startProjectorApp } from './create-projector-app';

async function main(): Promise<void> {
  const config = projectorConfigFromEnv(process.env);
  const app = await startProjectorApp(config);
  // Graceful shutdown: every runner finishes the chunk it is applying and commits it, then leaves
  // its group (partitions move to another projector at once). A second signal forces the exit;
  // nothing is lost either way (uncommitted events are re-delivered and applied idempotently).
  exitGracefullyOnSignals(() => app.stop());
  // A consumer kafkajs gave up on (non-retriable crash) cannot recover in-process: exit so the
  // supervisor restarts us from the committed offsets.
  setInterval(() => {
    if (app.runners.some((r) => r.isFailed())) {
      console.error('a projection consumer crashed for good; exiting to be restarted');
      process.exit(1);
    }
  }, 5000).unref();
}

runMain(main);
