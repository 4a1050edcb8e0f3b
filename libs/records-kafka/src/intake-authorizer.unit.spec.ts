import type { KeyVerifier, Principal } from '@shardline/auth';
import { principalOfMessage } from './intake-authorizer';

const principal = (roles: Principal['roles']): Principal => ({ keyId: 'k1', roles, businessPrefixes: null });
const verifierAnswering = (p: Principal) => ({ verify: async (token: string) => (token === 'sl_good' ? p : Promise.reject(new Error('unexpected'))) }) as unknown as KeyVerifier;

describe('how a command message proves its right', () => {
  it('keys: needs a Bearer header (401 AUTH.KEY_MISSING) and the writer role (403 AUTH.ROLE_REQUIRED)', async () => {
    const keys = { mode: 'keys', verifier: verifierAnswering(principal(['writer'])) } as const;
    await expect(principalOfMessage(keys, null)).rejects.toMatchObject({ code: 'AUTH.KEY_MISSING', kind: 'unauthenticated' });
    await expect(principalOfMessage(keys, 'sl_good')).rejects.toMatchObject({ code: 'AUTH.KEY_MISSING' });
    await expect(principalOfMessage(keys, 'Bearer sl_good')).resolves.toMatchObject({ keyId: 'k1' });
    const readers = { mode: 'keys', verifier: verifierAnswering(principal(['reader'])) } as const;
    await expect(principalOfMessage(readers, 'Bearer sl_good')).rejects.toMatchObject({ code: 'AUTH.ROLE_REQUIRED', kind: 'forbidden' });
  });

  it('trusted-topic: every message acts as the configured principal, header or not; off: no principal', async () => {
    const trusted: Principal = { keyId: 'billing-service', roles: ['writer'], businessPrefixes: ['acme-'] };
    await expect(principalOfMessage({ mode: 'trusted-topic', principal: trusted }, null)).resolves.toBe(trusted);
    await expect(principalOfMessage({ mode: 'off' }, 'Bearer whatever')).resolves.toBeUndefined();
  });
});
