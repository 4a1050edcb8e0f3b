export * from './records-http.module';
export * from './records.http.controller';
export * from './records-read.http.controller';
export * from './records.openapi';
export * from './users.http.controller';
