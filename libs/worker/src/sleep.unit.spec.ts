import { sleep } from './sleep';

describe('sleep', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves after the time has passed, not before', async () => {
    jest.useFakeTimers();
    let done = false;
    const slept = sleep(1000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  });

  it('resolves at once when its signal aborts, and when it had already aborted', async () => {
    jest.useFakeTimers();
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept; // no timer advanced: the abort alone ended the wait
    await sleep(60_000, controller.signal);
    expect(jest.getTimerCount()).toBe(0);
  });
});
