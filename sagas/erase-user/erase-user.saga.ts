import { z } from 'zod';
import { UnavailableError, validate } from '@shardline/errors';
import { defineSaga } from '@shardline/sagas';
import type { EraseUserEffects, ForgottenKey } from './erase-user.effects';

/**
 * Erase a user across every shard and read model (docs/adr/0005). Irreversible, so no step has a
 * compensation: the first step is the pivot, every step is idempotent, a failing step is retried
 * and then parked for an operator.
 *
 *   1. forget-key        — PIVOT: forget the user's data key; every sealed copy of their event
 *                          payloads (MySQL events, Kafka, dead letters, backups) is unreadable.
 *   2. erase-records     — on every shard: delete the user's records (RecordErased, published).
 *   3. erase-search      — delete the user's Elasticsearch documents.
 *   4. erase-analytics   — delete the user's ClickHouse rows.
 *   The answer is a report: what each store held and when the sealed copies became unreadable.
 */
export const ERASE_USER = 'erase-user';

/** Rounds of erase-records in one attempt while slots keep moving; then the attempt is retried. */
const MAX_ERASE_ROUNDS = 5;

const inputSchema = z.strictObject({
  user_id: z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be a positive 64-bit integer'),
  /** The API key that asked for it (events' `actor`); null with authentication off or for sagas started before keys. */
  actor: z.string().min(1).max(255).nullable().default(null),
});
export type EraseUserInput = z.output<typeof inputSchema>;

export interface ErasureReport {
  user_id: string;
  key: ForgottenKey;
  records: { total: number; by_shard: Array<{ shard: number; records: number }> };
  search_documents: number;
  analytics_rows: number;
}

export const eraseUserSaga = defineSaga<EraseUserInput, EraseUserEffects>({
  type: ERASE_USER,
  // The deadline only applies before the pivot, which is the first step.
  deadlineMs: 24 * 3600_000,
  parseInput: (raw) => validate(inputSchema, raw),
  steps: [
    {
      name: 'forget-key',
      pivot: true,
      timeoutMs: 10_000,
      attempts: 20,
      action: ({ effects, input }) => effects.forgetKey(input.user_id),
    },
    {
      name: 'erase-records',
      timeoutMs: 10 * 60_000,
      attempts: 20,
      async action({ effects, input, commandId, signal }) {
        // A slot that moved during the round (docs/adr/0008) may have been skipped by its old owner
        // (the map, refreshed, named the new one) and by its new one (erased before it owned the
        // slot): go round again until the map held still for a whole round. Each shard's erasure is
        // idempotent under its command id, so a second round only finds what the first skipped.
        for (let round = 1; ; round++) {
          const version = effects.mapVersion();
          const byShard = await Promise.all(
            effects.shards().map(async (shard) => ({ shard, ...(await effects.eraseRecordsOnShard(input.user_id, shard, commandId(shard), signal, input.actor)) })),
          );
          if (effects.mapVersion() === version || round >= MAX_ERASE_ROUNDS) {
            if (effects.mapVersion() !== version) throw new UnavailableError('ERASE.MAP_MOVING', `the slot map changed during ${round} rounds of erasure; the step is retried`);
            return { total: byShard.reduce((n, s) => n + s.records, 0), by_shard: byShard };
          }
        }
      },
    },
    {
      name: 'erase-search',
      timeoutMs: 5 * 60_000,
      attempts: 20,
      action: ({ effects, input }) => effects.eraseSearch(input.user_id),
    },
    {
      name: 'erase-analytics',
      timeoutMs: 10 * 60_000,
      attempts: 20,
      action: ({ effects, input }) => effects.eraseAnalytics(input.user_id),
    },
  ],
  async result({ results, input }): Promise<ErasureReport> {
    return {
      user_id: input.user_id,
      key: results['forget-key'] as ForgottenKey,
      records: results['erase-records'] as ErasureReport['records'],
      search_documents: (results['erase-search'] as { documents: number }).documents,
      analytics_rows: (results['erase-analytics'] as { rows: number }).rows,
    };
  },
});
