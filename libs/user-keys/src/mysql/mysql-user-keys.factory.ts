import type { Knex } from 'knex';
import { CachedUserKeys } from '../cached-user-keys';
import { KeyWrapping } from '../key-wrapping';
import type { UserKeysConfig } from '../user-keys.config';
import { MysqlUserKeys } from './mysql-user-keys';

/**
 * What every process uses (api, relay, projector, rebuild, erase saga): the control database behind
 * the cache, which keeps keys while the erasure count stays put (CachedUserKeys).
 */
export function cachedMysqlUserKeys(control: Knex, config: UserKeysConfig): CachedUserKeys {
  const store = new MysqlUserKeys(control, new KeyWrapping(config.masterKey));
  return new CachedUserKeys(store, { ttlMs: config.cacheTtlMs, erasures: store });
}
