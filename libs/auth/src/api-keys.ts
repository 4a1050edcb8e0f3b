import { z } from 'zod';
import { validate } from '@shardline/errors';
import { newApiKeyToken } from './api-key-token';
import type { ApiKeyRecord, ApiKeyStore } from './api-keys.port';
import { hashSecret } from './key-hashing';
import { ROLES, type Role } from './roles';

/** business_id prefixes follow business_id's own rules (1..64 code points, no control characters). */
const prefixSchema = z
  .string()
  .min(1)
  .refine((p) => [...p].length <= 64, 'must be at most 64 characters')
  .refine((p) => !/[\u0000-\u001f\u007f-\u009f]/.test(p), 'must not contain control characters');

export const newApiKeySchema = z.strictObject({
  name: z.string().min(1).max(100),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  business_prefixes: z.array(prefixSchema).min(1).max(100).nullable().default(null),
});
export type NewApiKey = z.input<typeof newApiKeySchema>;

/** What operators see of a key (never its secret or hash). */
export interface ApiKeyView {
  key_id: string;
  name: string;
  roles: Role[];
  business_prefixes: string[] | null;
  created_at: string;
  revoked_at: string | null;
}

export const viewOfApiKey = (k: ApiKeyRecord): ApiKeyView => ({
  key_id: k.keyId,
  name: k.name,
  roles: k.roles,
  business_prefixes: k.businessPrefixes,
  created_at: k.createdAt.toISOString(),
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

/** Creating, listing and revoking keys: the admin API and `ops-cli keys` both call this. */
export class ApiKeys {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Creates a key; the answer carries the token, which is shown this once and never stored. */
  async create(input: unknown): Promise<ApiKeyView & { token: string }> {
    const spec = validate(newApiKeySchema, input);
    const { keyId, secret, token } = newApiKeyToken();
    const record: ApiKeyRecord = {
      keyId,
      name: spec.name,
      roles: [...new Set(spec.roles)],
      businessPrefixes: spec.business_prefixes,
      secretHash: await hashSecret(secret),
      createdAt: this.clock(),
      revokedAt: null,
    };
    await this.store.insert(record);
    return { ...viewOfApiKey(record), token };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.store.list()).map(viewOfApiKey);
  }

  async revoke(keyId: string): Promise<boolean> {
    return this.store.revoke(keyId, this.clock());
  }
}
