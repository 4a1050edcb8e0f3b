import { Controller, Get, Module } from '@nestjs/common';
import { RecordsHttpController } from './records.http.controller';
import { RecordsReadHttpController } from './records-read.http.controller';
import { UsersHttpController } from './users.http.controller';
import { recordsOpenApiDocument } from './records.openapi';

@Controller('api/v1')
class OpenApiController {
  private readonly document = recordsOpenApiDocument();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}

/** REST adapter; needs RecordsModule (CommandBus/QueryBus and handlers) imported beside it. */
@Module({ controllers: [RecordsHttpController, RecordsReadHttpController, UsersHttpController, OpenApiController] })
export class RecordsHttpModule {}

/** The read routes only (GET by id, pages), for read-side apps; needs the QueryBus and query handlers. */
@Module({ controllers: [RecordsReadHttpController] })
export class RecordsReadHttpModule {}
