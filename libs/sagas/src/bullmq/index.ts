export * from './saga-queue.config';
export * from './bullmq-saga-job.queue';
export * from './bullmq-saga.worker';
export * from './bull-board';
export * from './saga-runtime.config';
