import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { AUTH_OFF_WARNING, authenticateRequests, KeyVerifier, rateLimitIdentityOf } from '@shardline/auth';
import { acceptJsonBodies, envelopeFastifyOptions, measureRequests, refuseRequestsWhileClosing, shedWritesBeyond } from '@shardline/http';
import { METRICS_REGISTRY } from '@shardline/observability';
import { enableRateLimits } from '@shardline/rate-limits';
import { RECORDS_SAGA_RUNTIME, type RecordsSagaRuntime } from '@shardline/records-sagas';
import { mountBullBoard } from '@shardline/sagas/bullmq';
import { AppModule } from './app.module';
import { ApiConfig } from './config';
import { apiRouteAccess } from './route-access';

/** Builds the API application (used by main.ts and by the end-to-end tests). */
export async function createApiApp(config: ApiConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    // return503OnClosing off: refuseRequestsWhileClosing answers with the error envelope instead;
    // envelopeFastifyOptions: so do bad paths and requests Node cannot parse.
    new FastifyAdapter({ bodyLimit: config.http.bodyLimit, trustProxy: true, return503OnClosing: false, ...envelopeFastifyOptions }),
    // bodyParser off: acceptJsonBodies registers the only body parsers (Nest's would clash with them).
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  // JSON only (and JSON merge patches): a text/plain body must get 415, not be validated as a string.
  const fastify = app.getHttpAdapter().getInstance();
  // First: the early answers of the hooks below (503 while closing or overloaded) are counted too.
  measureRequests(fastify, app.get<Registry>(METRICS_REGISTRY));
  acceptJsonBodies(fastify);
  refuseRequestsWhileClosing(fastify, config.http.writeAdmission.retryAfterSeconds);
  // First of the hooks that need the caller (rate limits and write admission come after it).
  if (config.auth.required) authenticateRequests(fastify, app.get(KeyVerifier), apiRouteAccess);
  else app.get(Logger).warn(AUTH_OFF_WARNING);
  // Before the write admission: a request over its rate limit must not take in-flight budget.
  await enableRateLimits(fastify, config.rateLimits, app.get(METRICS_REGISTRY), rateLimitIdentityOf);
  shedWritesBeyond(fastify, { ...config.http.writeAdmission, bodyLimit: config.http.bodyLimit });
  // Bull Board for the saga queue, beside the saga admin API (/admin/sagas).
  if (config.sagas) await mountBullBoard(app, [app.get<RecordsSagaRuntime>(RECORDS_SAGA_RUNTIME).queue.queue]);
  return app;
}
