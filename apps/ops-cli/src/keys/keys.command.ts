import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiKeys, ROLES, type ApiKeyView } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import { shardingConfigFromEnv } from '@shardline/sharding';
import { ShardDatabases } from '@shardline/sharding/mysql';

export const KEYS_USAGE = `usage: ops-cli keys create --name NAME --roles ${ROLES.join(',')} [--prefixes P1,P2] [--json]
       ops-cli keys list [--json]
       ops-cli keys revoke KEY_ID
       ops-cli keys dev [--file .shardline-dev-key]   (a development key with every role, made only while no key exists)`;

const csv = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((v) => v.trim()).filter(Boolean));

/** `ops-cli keys …`: exit 0 done, 2 bad command line (or invalid key spec), 4 no such key. */
export async function keysCommand(argv: string[], env: Record<string, string | undefined>, print: (line: string) => void = console.log): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { name: { type: 'string' }, roles: { type: 'string' }, prefixes: { type: 'string' }, json: { type: 'boolean' }, file: { type: 'string' } },
  });
  const databases = new ShardDatabases(shardingConfigFromEnv(env));
  const store = new MysqlApiKeyStore(databases.control);
  const keys = new ApiKeys(store);
  try {
    switch (sub) {
      case 'create': {
        const created = await keys.create({ name: values.name, roles: csv(values.roles), business_prefixes: csv(values.prefixes) ?? null });
        if (values.json) print(JSON.stringify(created));
        else print(`created ${describe(created)}\n${created.token}\n(the key is shown this once; send it as Authorization: Bearer <key>)`);
        return 0;
      }
      case 'list': {
        const listed = await keys.list();
        if (values.json) print(JSON.stringify(listed));
        else for (const key of listed) print(describe(key));
        return 0;
      }
      case 'revoke': {
        const [keyId] = positionals;
        if (!keyId) return usage(print);
        if (!(await keys.revoke(keyId))) {
          print(`no API key ${keyId}`);
          return 4;
        }
        print(`revoked ${keyId} (refused everywhere within SHARDLINE_AUTH_CACHE_TTL_MS, 5 s by default)`);
        return 0;
      }
      case 'dev':
        return await developmentKey(keys, await store.any(), values.file ?? '.shardline-dev-key', print);
      default:
        return usage(print);
    }
  } catch (error) {
    if ((error as { kind?: string }).kind === 'validation') {
      print(`${(error as Error).message}\n${KEYS_USAGE}`);
      return 2;
    }
    throw error;
  } finally {
    await databases.destroy();
  }
}

/**
 * `npm start`'s first key: while no key exists at all, create one with every role, write it to
 * `file` (mode 0600, git-ignored) and print it; afterwards print the file's key, if it is there.
 */
async function developmentKey(keys: ApiKeys, anyKey: boolean, file: string, print: (line: string) => void): Promise<number> {
  if (!anyKey) {
    const created = await keys.create({ name: 'development', roles: [...ROLES] });
    writeFileSync(file, `${created.token}\n`, { mode: 0o600 });
    print(`development API key (every role) created, saved in ${file}:\n  ${created.token}\n  curl -H "Authorization: Bearer $(cat ${file})" ...`);
    return 0;
  }
  if (existsSync(file)) print(`development API key: ${readFileSync(file, 'utf8').trim()} (from ${file})`);
  else print(`API keys exist already: no development key made (create one: npm run keys -- create --name me --roles ${ROLES.join(',')})`);
  return 0;
}

function describe(key: ApiKeyView): string {
  const scope = key.business_prefixes ? `prefixes ${key.business_prefixes.join(',')}` : 'every business';
  return `${key.key_id}  ${key.name}  roles ${key.roles.join(',')}  ${scope}  created ${key.created_at}${key.revoked_at ? `  REVOKED ${key.revoked_at}` : ''}`;
}

function usage(print: (line: string) => void): number {
  print(KEYS_USAGE);
  return 2;
}
