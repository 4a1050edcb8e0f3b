import type { Difference } from './verifier';
import type { ReadModelName } from './ports';

export type RepairStatus = 'repaired' | 'unchanged' | 'rejected' | 'skipped' | 'unrepairable';

export interface RepairOutcome {
  model: ReadModelName;
  recordId: string;
  status: RepairStatus;
  reason?: string;
}

/** How differing streams are put right; wired in the app (the sinks, the shard pools). */
export interface RepairPorts {
  /**
   * Recomputes these rows of the shard's `records` table from their streams (the decider's fold),
   * each write guarded by the version read, so a concurrent write is never overwritten.
   */
  records(shard: number, recordIds: readonly string[]): Promise<RepairOutcome[]>;
  /** Re-applies every published event of these streams to the read model through its projection sink. */
  readModel(model: Exclude<ReadModelName, 'records'>, streams: ReadonlyArray<{ shard: number; recordId: string }>): Promise<RepairOutcome[]>;
}

/**
 * Why a difference cannot be fixed by re-projecting, or null when it can. Sinks are idempotent by
 * version: re-applying the stream can add what is missing or behind, never take back a version the
 * model holds above the event store, nor a document the store has no stream for — those need an
 * operator (a rebuild of that read model), and stay reported.
 */
export function unrepairableReason(d: Difference): string | null {
  if (d.model === 'records') return d.shard === null ? 'no shard holds this stream' : null;
  if (d.kind === 'ahead') return `the read model holds version ${d.actual?.version} above the event store's ${d.expected?.version}; re-projecting cannot lower it (rebuild the read model: projections:rebuild)`;
  if (d.kind === 'phantom') return 'the read model holds a record the event store has no stream for (rebuild the read model: projections:rebuild)';
  if (d.kind === 'deleted-mismatch') return 'same version, different deleted flag: re-applying the same version is a no-op (rebuild the read model)';
  return null;
}

/** Repairs every repairable difference, per read model (records per shard), and says what happened to each. */
export async function repairDifferences(differences: readonly Difference[], ports: RepairPorts): Promise<RepairOutcome[]> {
  const outcomes: RepairOutcome[] = [];
  const records = new Map<number, string[]>();
  const models = new Map<Exclude<ReadModelName, 'records'>, Array<{ shard: number; recordId: string }>>();
  for (const d of differences) {
    const reason = unrepairableReason(d);
    if (reason) {
      outcomes.push({ model: d.model, recordId: d.recordId, status: 'unrepairable', reason });
      continue;
    }
    if (d.model === 'records') records.set(d.shard!, [...(records.get(d.shard!) ?? []), d.recordId]);
    else models.set(d.model, [...(models.get(d.model) ?? []), { shard: d.shard!, recordId: d.recordId }]);
  }
  for (const [shard, ids] of records) outcomes.push(...(await ports.records(shard, ids)));
  for (const [model, streams] of models) outcomes.push(...(await ports.readModel(model, dedupe(streams))));
  return outcomes;
}

function dedupe(streams: Array<{ shard: number; recordId: string }>): Array<{ shard: number; recordId: string }> {
  return [...new Map(streams.map((s) => [s.recordId, s])).values()];
}
