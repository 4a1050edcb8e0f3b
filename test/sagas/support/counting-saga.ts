import type { Knex } from 'knex';
import { defineSaga, type SagaStep } from '@shardline/sagas';

/**
 * A saga for runtime tests: each step records its command id in a table (INSERT IGNORE: the step
 * is idempotent under its command id, as real steps are) and counts its executions, so a test can
 * tell "ran twice" (harmless) from "took effect twice" (a bug). `hangAt` makes one step hang until
 * the process dies, to kill a worker in the middle of it.
 */
export interface CountingEffects {
  db: Knex;
  hangAt?: string;
}

export async function createEffectsTable(db: Knex): Promise<void> {
  await db.raw(`CREATE TABLE IF NOT EXISTS saga_test_effects (
    command_id VARCHAR(200) NOT NULL PRIMARY KEY, step VARCHAR(40) NOT NULL, executions INT NOT NULL DEFAULT 1)`);
}

const step = (name: string): SagaStep<{ label: string }, CountingEffects> => ({
  name,
  timeoutMs: 60_000,
  attempts: 3,
  async action({ effects, commandId }) {
    await effects.db.raw('INSERT INTO saga_test_effects (command_id, step) VALUES (?, ?) ON DUPLICATE KEY UPDATE executions = executions + 1', [commandId(), name]);
    if (effects.hangAt === name) await new Promise(() => {});
    return { done: name };
  },
  async compensation({ effects, commandId }) {
    await effects.db.raw('DELETE FROM saga_test_effects WHERE command_id = ?', [commandId()]);
  },
});

export const countingSaga = defineSaga<{ label: string }, CountingEffects>({
  type: 'counting',
  deadlineMs: 10 * 60_000,
  parseInput: (raw) => raw as { label: string },
  steps: [step('first'), step('second'), step('third')],
});
