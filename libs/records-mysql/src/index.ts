export * from './records-inline.projection';
export * from './mysql-record-state.reader';
export * from './records-mysql.module';
