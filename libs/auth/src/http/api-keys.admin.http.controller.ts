import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { validate } from '@shardline/errors';
import { ApiKeys, type ApiKeyView } from '../api-keys';
import { ApiKeyNotFoundError } from '../auth.errors';

const keyPathSchema = z.strictObject({ key_id: z.string().regex(/^[0-9a-f]{16}$/, 'must be a key id (16 hex characters)') });

/**
 * /admin/keys (admin role, enforced by the route policy): create a key (the token is in this answer
 * only), list keys, revoke one (effective everywhere within SHARDLINE_AUTH_CACHE_TTL_MS).
 */
@Controller('admin/keys')
export class ApiKeysAdminHttpController {
  constructor(@Inject(ApiKeys) private readonly keys: ApiKeys) {}

  @Post()
  create(@Body() body: unknown): Promise<ApiKeyView & { token: string }> {
    return this.keys.create(body ?? {});
  }

  @Get()
  async list(): Promise<{ data: ApiKeyView[] }> {
    return { data: await this.keys.list() };
  }

  @Post(':key_id/revoke')
  @HttpCode(200)
  async revoke(@Param() params: unknown): Promise<{ key_id: string; revoked: true }> {
    const { key_id } = validate(keyPathSchema, params);
    if (!(await this.keys.revoke(key_id))) throw new ApiKeyNotFoundError(key_id);
    return { key_id, revoked: true };
  }
}
