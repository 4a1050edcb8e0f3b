import { waitFor } from './wait-for';

describe('waitFor', () => {
  // Polls that succeed get a deadline no starved machine reaches (they return as soon as the probe
  // holds): with 200 ms, three 5 ms polls once missed it in a fresh CI at load ~10 on 2 cores.
  const quick = { timeoutMs: 30_000, intervalMs: 5 };

  it('returns the first value that is neither undefined nor false', async () => {
    const answers = [undefined, false, { id: 7 }, { id: 8 }];
    let calls = 0;
    await expect(waitFor('the record', () => answers[calls++], quick)).resolves.toEqual({ id: 7 });
    expect(calls).toBe(3);
  });

  it('returns true for a boolean check, sync or async', async () => {
    let n = 0;
    await expect(waitFor('n to reach 3', () => ++n >= 3, quick)).resolves.toBe(true);
    await expect(waitFor('an async check', async () => true, quick)).resolves.toBe(true);
  });

  it('retries a probe that throws', async () => {
    let calls = 0;
    const probe = async () => {
      if (++calls < 3) throw new Error('not yet');
      return 'ready';
    };
    await expect(waitFor('the engine', probe, quick)).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out with how long it waited, the description and the last error', async () => {
    let calls = 0;
    const probe = () => {
      calls++;
      throw new Error(`refused #${calls}`);
    };
    const error: Error = await waitFor('the shard', probe, { timeoutMs: 50, intervalMs: 5 }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('timed out after 50 ms waiting for the shard');
    expect(error.message).toContain(`refused #${calls}`);
  });

  it('evaluates a function description only at timeout, with the state then', async () => {
    let seen = 0;
    const describeState = jest.fn(() => `10 events (have ${seen})`);
    const pending = waitFor(describeState, () => ++seen >= 10_000, { timeoutMs: 50, intervalMs: 5 });
    expect(describeState).not.toHaveBeenCalled();
    const error: Error = await pending.catch((e) => e);
    expect(describeState).toHaveBeenCalledTimes(1);
    expect(error.message).toContain(`waiting for 10 events (have ${seen})`);
    expect(seen).toBeGreaterThan(1);

    const unused = jest.fn(() => 'never');
    await expect(waitFor(unused, () => true, quick)).resolves.toBe(true);
    expect(unused).not.toHaveBeenCalled();
  });
});
