import { hasErrorCode } from '@shardline/errors';
import type { UserKeys } from '@shardline/user-keys';

/** What every UserKeys adapter must do (in-memory double and control database alike). */
export function userKeysContract(name: string, open: () => Promise<{ keys: UserKeys; close(): Promise<void> }>) {
  describe(`UserKeys contract: ${name}`, () => {
    let keys: UserKeys;
    let close: () => Promise<void>;
    beforeAll(async () => ({ keys, close } = await open()));
    afterAll(async () => close());

    /** Fresh user ids per test: the store is shared by the whole suite. */
    let next = 1_000_000;
    const users = (n: number) => Array.from({ length: n }, () => String(next++));

    it('creates a 32-byte key per new user, one per distinct id, and hands out the same key from then on', async () => {
      const [a, b] = users(2);
      const first = await keys.keysFor([a, b, a]);
      expect([...first.keys()].sort()).toEqual([a, b].sort());
      expect(first.get(a)).toHaveLength(32);
      expect(first.get(a)!.equals(first.get(b)!)).toBe(false);
      const again = await keys.keysFor([b, a]);
      expect(again.get(a)!.equals(first.get(a)!)).toBe(true);
      expect(again.get(b)!.equals(first.get(b)!)).toBe(true);
      expect((await keys.keysFor([])).size).toBe(0);
    });

    it('existingKeys reads without creating: null for a user never seen', async () => {
      const [seen, never] = users(2);
      const created = await keys.keysFor([seen]);
      const existing = await keys.existingKeys([seen, never, never]);
      expect(existing.get(seen)!.equals(created.get(seen)!)).toBe(true);
      expect(existing.get(never)).toBeNull();
      expect(existing.size).toBe(2);
      expect((await keys.existingKeys([never])).get(never)).toBeNull(); // still not created
    });

    it('forget erases the key for good: idempotent, says whether a key existed, never re-created', async () => {
      const [user, other] = users(2);
      const before = await keys.keysFor([user, other]);
      expect(await keys.forget(user)).toBe(true);
      expect(await keys.forget(user)).toBe(false);
      expect((await keys.existingKeys([user])).get(user)).toBeNull();
      expect((await keys.keysFor([user])).get(user)).toBeNull();
      expect((await keys.existingKeys([user])).get(user)).toBeNull();
      expect((await keys.existingKeys([other])).get(other)!.equals(before.get(other)!)).toBe(true);
    });

    it('forgetting a user who never had a key marks them erased, so no key is created later', async () => {
      const [user] = users(1);
      expect(await keys.forget(user)).toBe(false);
      expect((await keys.keysFor([user])).get(user)).toBeNull();
    });

    it('concurrent creators of the same new users all get the same keys (a race between relays)', async () => {
      const batch = users(50);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => keys.keysFor(i % 2 ? batch : [...batch].reverse())));
      for (const id of batch) for (const r of results) expect(r.get(id)!.equals(results[0].get(id)!)).toBe(true);
    });

    it('a forget racing creations leaves the user erased', async () => {
      for (const user of users(10)) {
        await Promise.all([keys.keysFor([user]), keys.forget(user), keys.keysFor([user])]);
        expect((await keys.keysFor([user])).get(user)).toBeNull();
      }
    });

    it('creates the keys of a large batch of new users (beyond one statement chunk)', async () => {
      const batch = users(2500);
      const created = await keys.keysFor(batch);
      expect([...created.values()].every((k) => k?.length === 32)).toBe(true);
      const existing = await keys.existingKeys(batch);
      expect(batch.every((id) => existing.get(id)!.equals(created.get(id)!))).toBe(true);
    });

    it('refuses a user id that is not a positive 64-bit decimal with a stable code', async () => {
      for (const bad of ['0', '-1', '07', 'x', '', '12345678901234567890']) {
        const error = await keys.keysFor([bad]).catch((e: unknown) => e);
        expect(hasErrorCode(error, 'USER_KEYS.INVALID_USER_ID')).toBe(true);
      }
    });
  });
}
