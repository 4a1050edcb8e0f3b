export * from './slot-moves.http.controller';
export * from './slot-moves-http.module';
export * from './slot-moves.openapi';
