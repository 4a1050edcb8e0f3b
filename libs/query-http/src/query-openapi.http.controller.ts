import { Controller, Get } from '@nestjs/common';
import { queryOpenApiDocument } from './query-openapi';

@Controller('api/v1')
export class QueryOpenApiController {
  private readonly document = queryOpenApiDocument();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}
