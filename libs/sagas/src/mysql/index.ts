export * from './mysql-saga.store';
