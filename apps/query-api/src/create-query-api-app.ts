import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { AUTH_OFF_WARNING, authenticateRequests, KeyVerifier, rateLimitIdentityOf } from '@shardline/auth';
import { acceptJsonBodies, envelopeFastifyOptions, measureRequests, refuseRequestsWhileClosing } from '@shardline/http';
import { METRICS_REGISTRY } from '@shardline/observability';
import { enableRateLimits } from '@shardline/rate-limits';
import { QueryApiHooks, QueryAppModule } from './app.module';
import { QueryApiConfig } from './config';
import { queryApiRouteAccess } from './route-access';

/** Builds the query API application (used by main.ts and by the end-to-end tests). */
export async function createQueryApiApp(config: QueryApiConfig, hooks: QueryApiHooks = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(QueryAppModule.forRoot(config, hooks), new FastifyAdapter({ trustProxy: true, return503OnClosing: false, ...envelopeFastifyOptions }), {
    bufferLogs: true,
    bodyParser: false, // acceptJsonBodies registers the only body parsers
  });
  app.useLogger(app.get(Logger));
  // JSON only (and JSON merge patches): a text/plain body must get 415, not be validated as a string.
  const fastify = app.getHttpAdapter().getInstance();
  // First: the early answers of the hooks below (503 while closing or overloaded) are counted too.
  measureRequests(fastify, app.get<Registry>(METRICS_REGISTRY));
  acceptJsonBodies(fastify);
  // Requests arriving while the app closes get 503 SERVER.SHUTTING_DOWN (see closeHttpApp).
  refuseRequestsWhileClosing(fastify, 1);
  // First of the hooks that need the caller (rate limits come after it).
  if (config.auth.required) authenticateRequests(fastify, app.get(KeyVerifier), queryApiRouteAccess);
  else app.get(Logger).warn(AUTH_OFF_WARNING);
  await enableRateLimits(fastify, config.rateLimits, app.get(METRICS_REGISTRY), rateLimitIdentityOf);
  return app;
}
