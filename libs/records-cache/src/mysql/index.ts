export * from './mysql-pending-invalidation.store';
