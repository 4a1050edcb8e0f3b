export * from './mysql-api-key.store';
export * from './auth-mysql.module';
