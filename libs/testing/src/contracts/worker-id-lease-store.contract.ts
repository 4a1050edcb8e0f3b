import { randomUUID } from 'node:crypto';
import { MAX_WORKER_ID, type WorkerIdHolder, type WorkerIdLeaseStore } from '@shardline/ids';

const holder = (): WorkerIdHolder => ({ token: randomUUID(), name: 'contract' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every WorkerIdLeaseStore must do (in-memory double and control database alike). */
export function workerIdLeaseStoreContract(name: string, open: () => Promise<{ store: WorkerIdLeaseStore; close(): Promise<void> }>) {
  describe(`WorkerIdLeaseStore contract: ${name}`, () => {
    let store: WorkerIdLeaseStore;
    let close: () => Promise<void>;
    beforeEach(async () => ({ store, close } = await open()));
    afterEach(async () => close());

    it('hands out distinct ids to racing acquirers, the preferred one to exactly one of them', async () => {
      const ids = await Promise.all(Array.from({ length: 16 }, () => store.acquire(holder(), 60_000, 900)));
      expect(new Set(ids).size).toBe(16);
      expect(ids.filter((id) => id === 900)).toHaveLength(1);
      for (const id of ids) expect(id).toEqual(expect.any(Number));
    });

    it('lets only the holder renew', async () => {
      const mine = holder();
      const id = (await store.acquire(mine, 60_000))!;
      expect(await store.renew(id, holder(), 60_000)).toBe(false);
      expect(await store.renew(id, mine, 60_000)).toBe(true);
    });

    it('gives an expired lease to the next acquirer asking for it, and the old holder then finds it gone', async () => {
      const old = holder();
      const id = (await store.acquire(old, 200))!;
      expect(await store.acquire(holder(), 60_000, id)).not.toBe(id); // still running
      await sleep(400);
      expect(await store.acquire(holder(), 60_000, id)).toBe(id);
      expect(await store.renew(id, old, 60_000)).toBe(false);
    });

    it('frees an id at release (its holder only)', async () => {
      const mine = holder();
      const id = (await store.acquire(mine, 60_000))!;
      await store.release(id, holder()); // not the holder: nothing happens
      expect(await store.acquire(holder(), 60_000, id)).not.toBe(id);
      await store.release(id, mine);
      expect(await store.acquire(holder(), 60_000, id)).toBe(id);
    });

    it(`answers null once all ${MAX_WORKER_ID + 1} ids are held`, async () => {
      // Leases that outlive the loop: 1,024 acquires on the control database took 73 s on a starved
      // machine, and with a 60 s lease the first ones had expired (and were handed out again) by the end.
      const hour = 3_600_000;
      const held = new Set<number>();
      for (let i = 0; i <= MAX_WORKER_ID; i++) held.add((await store.acquire(holder(), hour))!);
      expect(held.size).toBe(MAX_WORKER_ID + 1);
      expect(await store.acquire(holder(), hour)).toBeNull();
    }, 300_000);
  });
}
