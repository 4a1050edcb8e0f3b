export * from './verification-sql';
export * from './mysql-event-store.side';
export * from './mysql-records-table.side';
export * from './records-row-rebuilder';
export * from './records-table.rebuild';
