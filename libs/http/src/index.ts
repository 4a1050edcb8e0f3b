export * from './error-envelope.filter';
export * from './request-context';
export * from './http-logger.module';
export * from './write-admission';
export * from './status-of-kind';
export * from './close-http-app';
export * from './json-bodies';
export * from './metrics.http.controller';
