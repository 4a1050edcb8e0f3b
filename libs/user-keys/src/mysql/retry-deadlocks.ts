import { isDeadlock } from '@shardline/event-store/mysql';

/**
 * Relays racing on the same new users insert overlapping key sets: InnoDB may pick one of the
 * INSERT IGNOREs as a deadlock victim (duplicate-key share locks against insert intentions; seen
 * under load). The statement is rolled back whole and is safe to run again: retry it at once.
 */
export const MAX_DEADLOCK_ATTEMPTS = 5;
export async function retryDeadlocks<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= MAX_DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

