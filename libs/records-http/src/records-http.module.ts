import { Controller, Get, Module } from '@nestjs/common';
import { RecordsHttpController } from './records.http.controller';
import { recordsOpenApiDocument } from './openapi';

@Controller('api/v1')
class OpenApiController {
  private readonly document = recordsOpenApiDocument();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}

/** REST adapter; needs RecordsModule (CommandBus/QueryBus and handlers) imported beside it. */
@Module({ controllers: [RecordsHttpController, OpenApiController] })
export class RecordsHttpModule {}
