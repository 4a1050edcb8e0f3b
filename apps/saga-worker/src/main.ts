import { exitGracefullyOnSignals, runMain } from '@shardline/observability';
import { sagaWorkerConfigFromEnv } from './config';
import { startSagaWorkerApp } from './create-saga-worker-app';

async function main(): Promise<void> {
  const app = await startSagaWorkerApp(sagaWorkerConfigFromEnv(process.env));
  // Graceful shutdown: no new jobs, running steps finish and save. Killed instead (kill -9), a
  // running step's job stalls and another worker redoes it from the durable state.
  exitGracefullyOnSignals(() => app.stop());
}

runMain(main);
