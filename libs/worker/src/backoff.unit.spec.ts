import { Backoff, backoffDelay } from './backoff';

describe('backoff', () => {
  const options = { initialMs: 100, maxMs: 1000 };

  it('doubles from the initial delay and stays under the cap, with half of it jittered', () => {
    expect([1, 2, 3, 4, 5, 30].map((a) => backoffDelay(a, options, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 30].map((a) => backoffDelay(a, options, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(10_000, options, () => 1)).toBe(1000);
  });

  it('keeps its attempt count until reset; without jitter it is exactly initial, 2x, 4x ... max', () => {
    const backoff = new Backoff({ ...options, jitter: 'none' });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 800, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
    const jittered = new Backoff(options, () => 0);
    expect([jittered.next(), jittered.next()]).toEqual([50, 100]);
  });
});
