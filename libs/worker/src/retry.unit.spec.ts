import { GAVE_UP, retryWithBackoff } from './retry';

const backoff = { initialMs: 1, maxMs: 2 };

describe('retryWithBackoff', () => {
  it('retries a failing action until it succeeds, reporting each failure', async () => {
    const failures: Array<[string, number]> = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        if (++calls < 3) throw new Error(`down ${calls}`);
        return 'ok';
      },
      { backoff, onRetry: (error, attempt) => failures.push([(error as Error).message, attempt]) },
    );
    expect(result).toBe('ok');
    expect(failures).toEqual([['down 1', 1], ['down 2', 2]]);
  });

  it('throws the last error after maxAttempts', async () => {
    let calls = 0;
    await expect(retryWithBackoff(async () => Promise.reject(new Error(`down ${++calls}`)), { backoff, maxAttempts: 3 })).rejects.toThrow('down 3');
    expect(calls).toBe(3);
  });

  it('gives up when its signal aborts or its wait says so, without another attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const aborted = retryWithBackoff(
      async () => {
        calls++;
        throw new Error('down');
      },
      { backoff: { initialMs: 60_000, maxMs: 60_000 }, signal: controller.signal },
    );
    controller.abort(); // ends the 60 s wait at once
    await expect(aborted).resolves.toBe(GAVE_UP);
    expect(calls).toBe(1);

    const waits: number[] = [];
    const refused = retryWithBackoff(() => Promise.reject(new Error('down')), { backoff, wait: async (ms) => (waits.push(ms), false) });
    await expect(refused).resolves.toBe(GAVE_UP);
    expect(waits).toHaveLength(1);
  });
});
