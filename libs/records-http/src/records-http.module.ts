import { Module } from '@nestjs/common';
import { RecordsHttpController } from './records.http.controller';
import { RecordsReadHttpController } from './records-read.http.controller';
import { UsersHttpController } from './users.http.controller';

/** REST adapter; needs RecordsModule (CommandBus/QueryBus and handlers) imported beside it. The app serves the OpenAPI document (records.openapi.ts). */
@Module({ controllers: [RecordsHttpController, RecordsReadHttpController, UsersHttpController] })
export class RecordsHttpModule {}

/** The read routes only (GET by id, pages), for read-side apps; needs the QueryBus and query handlers. */
@Module({ controllers: [RecordsReadHttpController] })
export class RecordsReadHttpModule {}
