export * from './records-inline.projection';
export * from './mysql-record-state.reader';
export * from './records-mysql.module';
export * from './mysql-record-move.store';
export * from './record-row-visibility';
export * from './mysql-user-record.store';
export * from './record-partitions';
