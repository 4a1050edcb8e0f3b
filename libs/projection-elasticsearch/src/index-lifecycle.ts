import type { Client } from '@elastic/elasticsearch';
import { cutoffsOf, GenerationStateStore } from './generation-state';
import { RecordsIndexNames } from './records-index-names';

export interface RolloverPolicy {
  /** Roll the current segment over once its primaries hold this many bytes per primary shard. */
  maxPrimaryShardBytes: number;
  /** … or this many documents per primary shard (Elastic: keep shards under 200 M documents). */
  maxPrimaryShardDocs: number;
  /**
   * How far ahead of now the cutoff is set: longer than the clock difference between the hosts
   * that mint record ids and this one, so no record created after the cutoff is routed by a
   * projector that has not read it yet (every apply reads the state before it routes).
   */
  leadMs: number;
}

export interface RolloverReport {
  index: string;
  primaryShards: number;
  primaryShardBytes: number;
  primaryShardDocs: number;
  /** The cutoff set by this call, or one already pending; absent when no rollover is due. */
  cutoff?: string;
}

export interface RetentionReport {
  retainFrom: number;
  deleted: string[];
}

/**
 * Size and age management of the records indices, for the maintenance job (`ops-cli maintain`).
 *
 * Why not ILM rollover: a rollover alias sends every write to the newest index, but a record's
 * updates must reach the index that holds its document (external versioning works per index), and
 * the search alias must keep serving every month. So the split is by time, decided by size: when
 * the segment records are created into now has grown past the policy, a cutoff `now + lead` is
 * added to the shared generation state; records created from the cutoff on go to the month's next
 * segment (`records-2026.12-1`, …), created on first write from the generation's template (same
 * mapping, shards, aliases: the read alias and search_after paging do not change). A new month
 * always starts a new index, so retention deletes whole months.
 */
export class ElasticsearchIndexLifecycle {
  private readonly names: RecordsIndexNames;
  private readonly state: GenerationStateStore;

  constructor(
    private readonly client: Client,
    indexBase: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.names = new RecordsIndexNames(indexBase);
    this.state = new GenerationStateStore(client, this.names);
  }

  async rolloverIfDue(policy: RolloverPolicy): Promise<RolloverReport> {
    await this.state.ensureIndex();
    const state = await this.state.read();
    const now = this.now();
    const cutoffs = cutoffsOf(state);
    const index = this.names.segmentIndex(state.read, now, cutoffs);
    const size = await this.primarySize(index);
    const pending = cutoffs.find((c) => c > now.getTime());
    if (pending !== undefined) return { index, ...size, cutoff: new Date(pending).toISOString() };
    if (size.primaryShardBytes < policy.maxPrimaryShardBytes && size.primaryShardDocs < policy.maxPrimaryShardDocs) return { index, ...size };
    const cutoff = new Date(now.getTime() + policy.leadMs).toISOString();
    // Optimistic concurrency: two jobs racing add one cutoff, the loser fails and finds it pending next time.
    await this.state.update((current) => ({ ...current, rollovers: [...(current.rollovers ?? []), cutoff].sort() }));
    return { index, ...size, cutoff };
  }

  /**
   * Deletes every index (any generation) of a month before the `months` kept before the current
   * one, records that month boundary in the state (the sink stops indexing events of records
   * created before it), and forgets the cutoffs of deleted months. months = 0 keeps everything.
   */
  async deleteExpired(months: number): Promise<RetentionReport | undefined> {
    if (months === 0) return undefined;
    await this.state.ensureIndex();
    const retainFrom = firstKeptMonth(this.now(), months);
    // State first: applies that start from here on skip those months (one already in flight may
    // still recreate a fragment of one; the next run deletes it).
    await this.state.update((current) => ({
      ...current,
      retainFrom: Math.max(current.retainFrom ?? 0, retainFrom),
      rollovers: (current.rollovers ?? []).filter((iso) => monthOfIso(iso) >= retainFrom),
    }));
    const state = await this.state.read();
    const generations = new Set([state.read, ...state.write, ...(state.rebuild ? [state.rebuild] : [])]);
    const all = Object.keys(await this.client.indices.get({ index: this.names.indexPattern(''), allow_no_indices: true, ignore_unavailable: true, expand_wildcards: 'all' }));
    const expired = all.filter((index) => {
      const month = [...generations, ...generationsIn(all, this.names)].map((g) => this.names.monthOf(g, index)).find((m) => m !== undefined);
      return month !== undefined && month < retainFrom;
    });
    if (expired.length > 0) await this.client.indices.delete({ index: expired.join(','), ignore_unavailable: true });
    return { retainFrom, deleted: expired.sort() };
  }

  private async primarySize(index: string): Promise<Omit<RolloverReport, 'index' | 'cutoff'>> {
    try {
      const [stats, settings] = await Promise.all([
        this.client.indices.stats({ index, metric: ['docs', 'store'] }),
        this.client.indices.getSettings({ index, name: 'index.number_of_shards', flat_settings: true }),
      ]);
      const primaries = stats.indices?.[index]?.primaries;
      const shards = Number((settings[index]?.settings as unknown as Record<string, string> | undefined)?.['index.number_of_shards'] ?? 1);
      return {
        primaryShards: shards,
        primaryShardBytes: Math.round(Number(primaries?.store?.size_in_bytes ?? 0) / shards),
        primaryShardDocs: Math.round(Number(primaries?.docs?.count ?? 0) / shards),
      };
    } catch (error) {
      // The current segment does not exist until its first record: nothing to roll over.
      if ((error as { statusCode?: number }).statusCode === 404) return { primaryShards: 0, primaryShardBytes: 0, primaryShardDocs: 0 };
      throw error;
    }
  }
}

/** Generation ids of rebuilt sets found among index names (`<base>-r…-YYYY.MM`), retired ones too. */
function generationsIn(indices: readonly string[], names: RecordsIndexNames): string[] {
  const found = new Set<string>();
  const prefix = `${names.base}-`;
  for (const index of indices) {
    const m = /^(r[0-9a-z]{1,40})-\d{4}\.\d{2}(-\d+)?$/.exec(index.slice(prefix.length));
    if (index.startsWith(prefix) && m) found.add(m[1]);
  }
  return [...found];
}

function firstKeptMonth(now: Date, months: number): number {
  const total = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  return Math.floor(total / 12) * 100 + (total % 12) + 1;
}

function monthOfIso(iso: string): number {
  return Number(iso.slice(0, 4)) * 100 + Number(iso.slice(5, 7));
}
