export * from './mysql-worker-id-lease.store';
