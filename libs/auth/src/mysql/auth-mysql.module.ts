import { DynamicModule, Module } from '@nestjs/common';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { API_KEY_STORE, type ApiKeyStore } from '../api-keys.port';
import { ApiKeys } from '../api-keys';
import type { AuthConfig } from '../auth.config';
import { ApiKeysAdminHttpController } from '../http/api-keys.admin.http.controller';
import { KeyVerifier } from '../key-verifier';
import { MysqlApiKeyStore } from './mysql-api-key.store';

/** API keys on the control database (needs ShardDatabases, global from RecordsMysqlModule); `adminRoutes` adds /admin/keys. */
@Module({})
export class AuthMysqlModule {
  static forRoot(config: AuthConfig, options: { adminRoutes: boolean }): DynamicModule {
    return {
      module: AuthMysqlModule,
      providers: [
        { provide: API_KEY_STORE, inject: [ShardDatabases], useFactory: (databases: ShardDatabases) => new MysqlApiKeyStore(databases.control) },
        { provide: KeyVerifier, inject: [API_KEY_STORE], useFactory: (store: ApiKeyStore) => new KeyVerifier(store, config.cache) },
        { provide: ApiKeys, inject: [API_KEY_STORE], useFactory: (store: ApiKeyStore) => new ApiKeys(store) },
      ],
      controllers: options.adminRoutes ? [ApiKeysAdminHttpController] : [],
      exports: [KeyVerifier, ApiKeys, API_KEY_STORE],
    };
  }
}
