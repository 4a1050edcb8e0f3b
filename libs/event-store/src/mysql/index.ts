export * from './mysql-event-store';
export * from './mysql-inline-projection.port';
export * from './event-partitions';
export * from './sql-statements';
export * from './mysql-errors';
export * from './stored-event-row';
export * from './mysql-event-log-reader';
export * from './processed-commands-retention';
