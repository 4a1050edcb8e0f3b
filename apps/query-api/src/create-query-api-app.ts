import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { acceptJsonBodies, envelopeFastifyOptions, refuseRequestsWhileClosing } from '@shardline/http';
import { QueryApiHooks, QueryAppModule } from './app.module';
import { QueryApiConfig } from './config';

/** Builds the query API application (used by main.ts and by the end-to-end tests). */
export async function createQueryApiApp(config: QueryApiConfig, hooks: QueryApiHooks = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(QueryAppModule.forRoot(config, hooks), new FastifyAdapter({ trustProxy: true, return503OnClosing: false, ...envelopeFastifyOptions }), {
    bufferLogs: true,
    bodyParser: false, // acceptJsonBodies registers the only body parsers
  });
  app.useLogger(app.get(Logger));
  // JSON only (and JSON merge patches): a text/plain body must get 415, not be validated as a string.
  const fastify = app.getHttpAdapter().getInstance();
  acceptJsonBodies(fastify);
  // Requests arriving while the app closes get 503 SERVER.SHUTTING_DOWN (see closeHttpApp).
  refuseRequestsWhileClosing(fastify, 1);
  return app;
}
