export * from './records-atomic-batch.effects';
export * from './saga-atomic-batches';
export * from './records-saga.runtime';
export * from './records-sagas.module';
export * from './records-sagas.config';
