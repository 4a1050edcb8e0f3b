export * from './mysql-user-keys';
export * from './mysql-user-keys.factory';
