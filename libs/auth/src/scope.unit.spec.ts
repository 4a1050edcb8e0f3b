import { bearerTokenOf } from './api-key-token';
import { assertBusinessNamed, assertInScope, assertUnscoped, inScope } from './scope';
import { hasAnyRole, type Principal } from './roles';

const scoped: Principal = { keyId: 'k1', roles: ['reader', 'writer'], businessPrefixes: ['acme-', 'globex'] };
const unscoped: Principal = { keyId: 'k2', roles: ['analyst'], businessPrefixes: null };

describe('scope of business prefixes', () => {
  it('admits business ids starting with a prefix, byte-exactly', () => {
    expect(inScope(scoped, 'acme-eu')).toBe(true);
    expect(inScope(scoped, 'globex')).toBe(true);
    expect(inScope(scoped, 'ACME-eu')).toBe(false);
    expect(inScope(scoped, 'acme')).toBe(false);
    expect(inScope(unscoped, 'anything')).toBe(true);
    expect(inScope(undefined, 'anything')).toBe(true);
  });

  it('names the first field out of scope (403 AUTH.OUT_OF_SCOPE)', () => {
    expect(() => assertInScope(scoped, [{ businessId: 'acme-1', field: 'data[0].business_id' }, { businessId: 'initech', field: 'data[1].business_id' }])).toThrow(
      expect.objectContaining({ code: 'AUTH.OUT_OF_SCOPE', kind: 'forbidden', details: [expect.objectContaining({ field: 'data[1].business_id' })] }),
    );
    expect(() => assertInScope(unscoped, [{ businessId: 'initech', field: 'business_id' }])).not.toThrow();
  });

  it('requires a scoped key to name a business for answers spanning businesses; unscoped keys need not', () => {
    expect(() => assertBusinessNamed(scoped, undefined)).toThrow(expect.objectContaining({ code: 'AUTH.OUT_OF_SCOPE' }));
    expect(() => assertBusinessNamed(scoped, 'initech')).toThrow(expect.objectContaining({ code: 'AUTH.OUT_OF_SCOPE' }));
    expect(() => assertBusinessNamed(scoped, 'acme-x')).not.toThrow();
    expect(() => assertBusinessNamed(unscoped, undefined)).not.toThrow();
    expect(() => assertUnscoped(scoped, 'x')).toThrow(expect.objectContaining({ kind: 'forbidden' }));
    expect(() => assertUnscoped(unscoped, 'x')).not.toThrow();
  });
});

describe('roles and bearer tokens', () => {
  it('a key holding several roles passes any of them', () => {
    expect(hasAnyRole(scoped, ['writer'])).toBe(true);
    expect(hasAnyRole(scoped, ['admin'])).toBe(false);
    expect(hasAnyRole(unscoped, ['reader', 'analyst'])).toBe(true);
  });

  it('reads Bearer tokens case-insensitively and nothing else', () => {
    expect(bearerTokenOf('Bearer abc')).toBe('abc');
    expect(bearerTokenOf('bearer  abc ')).toBe('abc');
    expect(bearerTokenOf('Basic abc')).toBeNull();
    expect(bearerTokenOf('Bearer a b')).toBeNull();
    expect(bearerTokenOf(undefined)).toBeNull();
    expect(bearerTokenOf(['Bearer a', 'Bearer b'])).toBeNull();
  });
});
