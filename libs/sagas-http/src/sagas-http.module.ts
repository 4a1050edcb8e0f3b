import { Module } from '@nestjs/common';
import { SagasAdminHttpController, SagaStatusHttpController } from './sagas.http.controller';

/** Saga routes; the app provides SAGA_ORCHESTRATOR (see apps/api). */
@Module({ controllers: [SagaStatusHttpController, SagasAdminHttpController] })
export class SagasHttpModule {}
