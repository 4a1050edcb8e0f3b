import type { ShardLease } from '@shardline/outbox-relay';

export interface ShardLeaseFixture {
  /** A new contender for the same shard's lease (another relay process). */
  contender(): ShardLease;
  /** The holder loses its lease without releasing it (its lock connection died). */
  lose(holder: ShardLease): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a relay's shard lease must do, run against the in-memory lease board (unit) and the MySQL
 * GET_LOCK lease (integration): one holder at a time, release hands it over, a lost lease is
 * known as lost by its holder at once and free for the others.
 */
export function shardLeaseContract(name: string, open: () => Promise<ShardLeaseFixture>) {
  describe(`ShardLease contract: ${name}`, () => {
    let f: ShardLeaseFixture;
    const opened: ShardLease[] = [];
    const contender = () => {
      const lease = f.contender();
      opened.push(lease);
      return lease;
    };
    beforeAll(async () => {
      f = await open();
    });
    afterEach(async () => {
      for (const lease of opened.splice(0)) await lease.release();
    });
    afterAll(async () => f?.close());

    it('is held by one contender at a time; the holder may ask again', async () => {
      const [a, b] = [contender(), contender()];
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      expect([await a.isHeld(), await b.isHeld()]).toEqual([true, false]);
      expect(await a.tryAcquire()).toBe(true);
    });

    it('a release hands it over; a release by a contender that does not hold it changes nothing', async () => {
      const [a, b, c] = [contender(), contender(), contender()];
      expect(await a.tryAcquire()).toBe(true);
      await b.release();
      expect(await a.isHeld()).toBe(true);
      await a.release();
      expect(await a.isHeld()).toBe(false);
      expect(await b.tryAcquire()).toBe(true);
      expect(await c.tryAcquire()).toBe(false);
    });

    it('a lost lease is not held from then on, and another contender can take it', async () => {
      const [a, b] = [contender(), contender()];
      expect(await a.tryAcquire()).toBe(true);
      await f.lose(a);
      expect(await a.isHeld()).toBe(false);
      expect(await b.tryAcquire()).toBe(true);
      expect(await a.tryAcquire()).toBe(false);
    });
  });
}
