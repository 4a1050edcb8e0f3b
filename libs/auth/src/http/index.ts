export * from './principal-of';
export * from './authenticate-requests';
export * from './api-keys.admin.http.controller';
export * from './api-keys.openapi';
