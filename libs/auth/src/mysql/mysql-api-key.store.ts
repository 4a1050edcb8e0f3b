import type { Knex } from 'knex';
import { UnavailableError } from '@shardline/errors';
import type { ApiKeyRecord, ApiKeyStore } from '../api-keys.port';
import { isRole, type Role } from '../roles';

interface Row {
  key_id: string;
  name: string;
  roles: string;
  business_prefixes: string | null;
  secret_hash: string;
  created_time: Date;
  revoked_time: Date | null;
}

/** ApiKeyStore on the control database (`api_keys`, migrations/control/0005). Driver failures: 503 AUTH.UNAVAILABLE. */
export class MysqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly control: Knex) {}

  insert(key: ApiKeyRecord): Promise<void> {
    return this.guarded(async () => {
      await this.control('api_keys').insert({
        key_id: key.keyId,
        name: key.name,
        roles: JSON.stringify(key.roles),
        business_prefixes: key.businessPrefixes === null ? null : JSON.stringify(key.businessPrefixes),
        secret_hash: key.secretHash,
        created_time: key.createdAt,
        revoked_time: key.revokedAt,
      });
    });
  }

  find(keyId: string): Promise<ApiKeyRecord | null> {
    return this.guarded(async () => {
      const row: Row | undefined = await this.control('api_keys').where({ key_id: keyId }).first();
      return row ? recordOf(row) : null;
    });
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.guarded(async () => ((await this.control('api_keys').orderBy('created_time', 'asc')) as Row[]).map(recordOf));
  }

  revoke(keyId: string, at: Date): Promise<boolean> {
    return this.guarded(async () => {
      await this.control('api_keys').where({ key_id: keyId }).whereNull('revoked_time').update({ revoked_time: at });
      return (await this.control('api_keys').where({ key_id: keyId }).first()) !== undefined;
    });
  }

  any(): Promise<boolean> {
    return this.guarded(async () => (await this.control('api_keys').first('key_id')) !== undefined);
  }

  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new UnavailableError('AUTH.UNAVAILABLE', `API keys cannot be read or written now: ${(error as Error).message}`, error);
    }
  }
}

/** MariaDB returns JSON columns as text. */
const parsed = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

function recordOf(row: Row): ApiKeyRecord {
  return {
    keyId: row.key_id,
    name: row.name,
    roles: parsed<unknown[]>(row.roles).filter(isRole) as Role[],
    businessPrefixes: row.business_prefixes === null ? null : parsed<string[]>(row.business_prefixes),
    secretHash: row.secret_hash,
    createdAt: row.created_time,
    revokedAt: row.revoked_time,
  };
}
