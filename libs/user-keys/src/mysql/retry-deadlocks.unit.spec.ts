import { MAX_DEADLOCK_ATTEMPTS, retryDeadlocks } from './retry-deadlocks';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK' });

describe('retryDeadlocks', () => {
  it('runs a statement chosen as a deadlock victim again, and answers its result', async () => {
    let calls = 0;
    const result = await retryDeadlocks(async () => {
      if (++calls < 3) throw deadlock();
      return 'inserted';
    });
    expect([result, calls]).toEqual(['inserted', 3]);
  });

  it(`gives up after ${MAX_DEADLOCK_ATTEMPTS} deadlocks, and never retries another error`, async () => {
    let calls = 0;
    await expect(retryDeadlocks(async () => (calls++, Promise.reject(deadlock())))).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(calls).toBe(MAX_DEADLOCK_ATTEMPTS);
    calls = 0;
    await expect(retryDeadlocks(async () => (calls++, Promise.reject(Object.assign(new Error('gone'), { code: 'ECONNRESET' }))))).rejects.toThrow('gone');
    expect(calls).toBe(1);
  });
});
