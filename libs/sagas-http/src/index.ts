export * from './sagas.http.controller';
export * from './sagas-http.module';
export * from './sagas.openapi';
