import { WriterLease } from './writer-lease';

/** A local monotonic clock and a Redis clock that differs from it by `offset` (any sign, any size). */
function clocks(offset: number) {
  const local = { t: 1_000 };
  return { local, now: () => local.t, redisAt: (t: number) => t + offset };
}

describe('WriterLease: when every reader is certain to see a writer stale', () => {
  it('computes the expiry from the upper bound of the Redis clock and staleness from the lower bound', () => {
    const c = clocks(5_000_000);
    const lease = new WriterLease(c.now, 1500, 100);
    // TIME sent at 100, read by Redis at 105 (local), answered at 110.
    lease.observe({ redisMs: c.redisAt(105), sentAt: 100, receivedAt: 110 });
    c.local.t = 110;
    // Redis read 105 + offset somewhere in [100, 110]: at 110 it reads at most 105 + 10 (+ offset).
    expect(lease.expiryToSend()).toBe(5_000_000 + 105 + 10 + 1500);
    // ... and at least 105 + (t - 110): that reaches the expiry at t = 110 + 1510, plus the allowance.
    expect(lease.staleFrom()).toBe(110 + 1510 + 100);
  });

  it('whatever the offset and wherever in the round trip Redis read its clock, no sent expiry is live from staleFrom on', () => {
    for (const offset of [-3_600_000, -250, 0, 17, 86_400_000]) {
      for (const readAt of [0, 0.3, 1]) {
        for (const rtt of [0, 1, 40, 900]) {
          const c = clocks(offset);
          const lease = new WriterLease(c.now, 1500, 0);
          const sentAt = 1_000;
          lease.observe({ redisMs: Math.floor(c.redisAt(sentAt + readAt * rtt)), sentAt, receivedAt: sentAt + rtt });
          const sent: number[] = [];
          // Heartbeats every 500 ms with the same reading (their answers were lost), then silence.
          for (let t = sentAt + rtt; t < sentAt + rtt + 2_000; t += 500) {
            c.local.t = t;
            sent.push(lease.expiryToSend());
          }
          const staleFrom = lease.staleFrom();
          // The reader's check (Redis clock in whole ms): stale when expiry <= now.
          for (const expiry of sent) expect(expiry).toBeLessThanOrEqual(Math.floor(c.redisAt(staleFrom)));
          // ... and not absurdly later than needed: the last lease plus the reading's uncertainty.
          expect(staleFrom - (sentAt + rtt + 1_500)).toBeLessThanOrEqual(1_500 + rtt + 1);
        }
      }
    }
  });

  it('counts a heartbeat as sent even when its answer never came (it may land late), and waits for it', () => {
    const c = clocks(0);
    const lease = new WriterLease(c.now, 1500, 100);
    lease.observe({ redisMs: 1_000, sentAt: 1_000, receivedAt: 1_000 });
    lease.expiryToSend();
    const before = lease.staleFrom();
    c.local.t = 1_400;
    lease.expiryToSend(); // lost in the network
    expect(lease.staleFrom()).toBe(before + 400);
    c.local.t = 1_400 + 1_500 + 100;
    expect(lease.waitUntilStaleMs()).toBe(0);
    c.local.t -= 1;
    expect(lease.waitUntilStaleMs()).toBe(1);
  });

  it('never asks to wait before any heartbeat was sent', () => {
    const lease = new WriterLease(() => 0, 1500, 100);
    expect(lease.waitUntilStaleMs()).toBe(0);
    expect(() => lease.expiryToSend()).toThrow('no reading of the Redis clock');
  });
});
