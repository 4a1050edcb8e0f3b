export * from './error-envelope.filter';
export * from './request-context';
