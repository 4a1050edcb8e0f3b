import { Controller, Get } from '@nestjs/common';
import type { OpenApiObject } from '@shardline/http';
import { apiOpenApiDocument } from './api.openapi';

@Controller('api/v1')
export class ApiOpenApiController {
  private readonly document = apiOpenApiDocument();

  @Get('openapi.json')
  openapi(): OpenApiObject {
    return this.document;
  }
}
