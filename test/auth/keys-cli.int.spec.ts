import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyVerifier, ROLES } from '@shardline/auth';
import { MysqlApiKeyStore } from '@shardline/auth/mysql';
import { ShardDatabases } from '@shardline/sharding/mysql';
import { keysCommand } from '../../apps/ops-cli/src/keys/keys.command';
import { createTestDatabases, TestDatabases } from '../support/test-databases';

describe('ops-cli keys: create, list, revoke, and the development key of the first start', () => {
  let dbs: TestDatabases;
  let databases: ShardDatabases;
  let verifier: KeyVerifier;
  let env: Record<string, string>;

  async function run(...argv: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await keysCommand(argv, env, (line) => lines.push(line));
    return { code, out: lines.join('\n') };
  }

  beforeAll(async () => {
    dbs = await createTestDatabases(1);
    databases = new ShardDatabases(dbs.config);
    verifier = new KeyVerifier(new MysqlApiKeyStore(databases.control), { ttlMs: 0, maxEntries: 10 });
    env = { SHARDLINE_SHARDS: dbs.shardUrls(), SHARDLINE_CONTROL_URL: dbs.controlUrl() };
  });
  afterAll(async () => {
    await databases?.destroy();
    await dbs?.drop();
  });

  it('makes a development key with every role only while no key exists, saves it 0600, and prints it again later', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'shardline-keys-')), '.shardline-dev-key');
    const first = await run('dev', '--file', file);
    expect(first.code).toBe(0);
    const token = readFileSync(file, 'utf8').trim();
    expect(first.out).toContain(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await expect(verifier.verify(token)).resolves.toMatchObject({ roles: [...ROLES], businessPrefixes: null });

    const again = await run('dev', '--file', file);
    expect(again.out).toContain(token);
    const listed = JSON.parse((await run('list', '--json')).out);
    expect(listed).toHaveLength(1);
  });

  it('creates a scoped key (shown once), lists it without its secret, revokes it; bad input exits 2, an unknown key 4', async () => {
    const created = JSON.parse((await run('create', '--name', 'tenant-a', '--roles', 'writer,reader', '--prefixes', 'acme-,initech', '--json')).out);
    expect(created).toMatchObject({ name: 'tenant-a', roles: ['writer', 'reader'], business_prefixes: ['acme-', 'initech'] });
    await expect(verifier.verify(created.token)).resolves.toEqual({ keyId: created.key_id, roles: ['writer', 'reader'], businessPrefixes: ['acme-', 'initech'] });

    const text = (await run('list')).out;
    expect(text).toContain(`${created.key_id}  tenant-a  roles writer,reader  prefixes acme-,initech`);
    expect(text).not.toContain(created.token.split('_')[2]);

    expect((await run('revoke', created.key_id)).code).toBe(0);
    await expect(verifier.verify(created.token)).rejects.toMatchObject({ code: 'AUTH.KEY_REVOKED' });
    expect((await run('list')).out).toMatch(new RegExp(`${created.key_id} .*REVOKED`));

    expect((await run('create', '--name', 'x', '--roles', 'root')).code).toBe(2);
    expect((await run('revoke', '0123456789abcdef')).code).toBe(4);
    expect((await run('frobnicate')).code).toBe(2);
  });
});
