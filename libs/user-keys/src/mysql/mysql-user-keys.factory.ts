import type { Knex } from 'knex';
import { CachedUserKeys } from '../cached-user-keys';
import { KeyWrapping } from '../key-wrapping';
import type { UserKeysConfig } from '../user-keys.config';
import { MysqlUserKeys } from './mysql-user-keys';

/** What every process uses (relay, projector, rebuild, erase saga): the control database behind the TTL cache. */
export function cachedMysqlUserKeys(control: Knex, config: UserKeysConfig): CachedUserKeys {
  return new CachedUserKeys(new MysqlUserKeys(control, new KeyWrapping(config.masterKey)), { ttlMs: config.cacheTtlMs });
}
