// Metrics and the operations HTTP port shared by every app.
export * from './metrics-registry';
export * from './ops-http-server';
export * from './graceful-exit';
export * from './http-request.metrics';
