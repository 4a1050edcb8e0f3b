import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { shedWritesBeyond } from '@shardline/http';
import { RECORDS_SAGA_RUNTIME, type RecordsSagaRuntime } from '@shardline/records-sagas';
import { mountBullBoard } from '@shardline/sagas/bullmq';
import { AppModule } from './app.module';
import { ApiConfig } from './config';

/** Builds the API application (used by main.ts and by the end-to-end tests). */
export async function createApiApp(config: ApiConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ bodyLimit: config.http.bodyLimit, trustProxy: true }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  // JSON only: a text/plain body must get 415, not be validated as a string.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain']);
  shedWritesBeyond(fastify, { ...config.http.writeAdmission, bodyLimit: config.http.bodyLimit });
  // Bull Board for the saga queue, beside the saga admin API (/admin/sagas).
  if (config.sagas) await mountBullBoard(app, [app.get<RecordsSagaRuntime>(RECORDS_SAGA_RUNTIME).queue.queue]);
  return app;
}
