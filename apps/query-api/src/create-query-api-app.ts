import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { QueryApiHooks, QueryAppModule } from './app.module';
import { QueryApiConfig } from './config';

/** Builds the query API application (used by main.ts and by the end-to-end tests). */
export async function createQueryApiApp(config: QueryApiConfig, hooks: QueryApiHooks = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(QueryAppModule.forRoot(config, hooks), new FastifyAdapter({ trustProxy: true }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.getHttpAdapter().getInstance().removeContentTypeParser(['text/plain']);
  return app;
}
