import type { Knex } from 'knex';
import { continueLater, defineSaga } from '@shardline/sagas';

/**
 * A saga for the continueLater runtime tests: its `copy` step does one chunk per run and returns
 * continueLater({ done }, delayMs) until `chunks` are done. Each run records its chunk in a table
 * (one row per chunk, `runs` counting the executions, `first_ran_at` the first), so a test sees a
 * chunk run twice (a killed run redone) apart from one never run, and the gaps the delay made.
 * `hangAtChunk` makes that chunk's run hang until the process dies (kill -9 mid-run).
 */
export interface ChunkedInput {
  chunks: number;
  delayMs: number;
}

export interface ChunkedEffects {
  db: Knex;
  hangAtChunk?: number;
}

export async function createChunksTable(db: Knex): Promise<void> {
  await db.raw(`CREATE TABLE IF NOT EXISTS saga_test_chunks (
    saga_id VARCHAR(64) NOT NULL, chunk INT NOT NULL, runs INT NOT NULL DEFAULT 1, first_ran_at BIGINT NOT NULL,
    PRIMARY KEY (saga_id, chunk))`);
}

export async function chunksOf(db: Knex, sagaId: string): Promise<Array<{ chunk: number; runs: number; firstRanAt: number }>> {
  const rows: Array<{ chunk: number; runs: number; first_ran_at: number | string }> = await db('saga_test_chunks').where({ saga_id: sagaId }).orderBy('chunk').select('chunk', 'runs', 'first_ran_at');
  return rows.map((r) => ({ chunk: Number(r.chunk), runs: Number(r.runs), firstRanAt: Number(r.first_ran_at) }));
}

export const chunkedSaga = defineSaga<ChunkedInput, ChunkedEffects>({
  type: 'chunked',
  deadlineMs: 10 * 60_000,
  parseInput: (raw) => raw as ChunkedInput,
  steps: [
    {
      name: 'copy',
      timeoutMs: 60_000,
      attempts: 3,
      async action({ sagaId, input, effects, progress }) {
        const chunk = progress<{ done: number }>()?.done ?? 0;
        await effects.db.raw('INSERT INTO saga_test_chunks (saga_id, chunk, first_ran_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE runs = runs + 1', [sagaId, chunk, Date.now()]);
        if (effects.hangAtChunk === chunk) await new Promise(() => {});
        return chunk + 1 < input.chunks ? continueLater({ done: chunk + 1 }, input.delayMs) : { copied: chunk + 1 };
      },
    },
    { name: 'finish', timeoutMs: 60_000, action: async ({ results }) => ({ finished: results.copy }) },
  ],
});
