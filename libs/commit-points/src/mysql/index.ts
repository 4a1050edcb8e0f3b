export * from './mysql-commit-points';
