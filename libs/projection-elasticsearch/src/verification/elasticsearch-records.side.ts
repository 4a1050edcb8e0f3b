import type { Client } from '@elastic/elasticsearch';
import { childOf, monthsBetweenMs, type ModelDigest, type ModelState, type ReadModelSide, type Slice, type SlicePlan } from '@shardline/reconciliation';
import type { RecordDocument } from '../record-document';

const PAGE = 5000;
const SEARCH = { ignore_unavailable: true, allow_no_indices: true } as const;

type Doc = Pick<RecordDocument, 'record_id' | 'version' | 'deleted'>;

/**
 * The search read model as `verify` sees it, through the read alias (what searches answer from).
 * One document per record, a deleted one as a tombstone. The integ-test distribution of
 * Elasticsearch has no scripting (painless is not installed), so a slice cannot be hashed inside
 * the engine; it is summarised with plain aggregations instead: documents, tombstones, and the sum
 * and sum of squares of `version` (extended_stats) and the versions of tombstones. Those catch a
 * missing or extra document, a lost update (lower version), a tombstone missing or extra; only
 * exactly compensating errors in the same slice could cancel out (a slice of a month is ~11 h, then
 * ~11 min, …). Slices are ranges of `created_time`, which the sink sets from the Snowflake id: the
 * same id ranges as the event store's.
 */
export class ElasticsearchRecordsSide implements ReadModelSide {
  readonly name = 'elasticsearch' as const;
  readonly perShard = false;

  constructor(
    private readonly client: Client,
    /** The read alias (default index base `records`). */
    private readonly index: string,
  ) {}

  async months(): Promise<number[]> {
    const res = await this.client.search({ index: this.index, ...SEARCH, size: 0, aggs: { lo: { min: { field: 'created_time' } }, hi: { max: { field: 'created_time' } } } });
    const aggs = res.aggregations as Record<string, { value: number | null }> | undefined;
    return monthsBetweenMs(aggs?.lo.value ?? null, aggs?.hi.value ?? null);
  }

  async digests(plan: SlicePlan): Promise<Map<number, ModelDigest>> {
    const ranges = Array.from({ length: plan.count }, (_, k) => {
      const child = childOf(plan, k);
      return { key: String(k), from: child.fromMs, to: child.toMs };
    });
    const res = await this.client.search({
      index: this.index,
      ...SEARCH,
      size: 0,
      query: rangeOf(plan.slice),
      aggs: {
        slices: {
          range: { field: 'created_time', ranges },
          aggs: { v: { extended_stats: { field: 'version' } }, tombstones: { filter: { term: { deleted: true } }, aggs: { v: { sum: { field: 'version' } } } } },
        },
      },
    });
    type Bucket = { key: string; doc_count: number; v: { sum: number; sum_of_squares: number | null }; tombstones: { doc_count: number; v: { value: number } } };
    const buckets = ((res.aggregations as Record<string, { buckets: Bucket[] }> | undefined)?.slices.buckets ?? []).filter((b) => b.doc_count > 0);
    return new Map(
      buckets.map((b) => [
        Number(b.key),
        { count: b.doc_count, deleted: b.tombstones.doc_count, sumVersion: b.v.sum, sumVersion2: b.v.sum_of_squares ?? 0, sumVersionDeleted: b.tombstones.v.value },
      ]),
    );
  }

  async states(slice: Slice): Promise<ModelState[]> {
    const out: ModelState[] = [];
    let after: Array<string | number> | undefined;
    for (;;) {
      const res = await this.client.search<Doc>({ index: this.index, ...SEARCH, size: PAGE, query: rangeOf(slice), _source: ['record_id', 'version', 'deleted'], sort: [{ record_id: 'asc' }], ...(after ? { search_after: after } : {}) });
      const hits = res.hits.hits;
      out.push(...hits.map((h) => stateOf(h._source!)));
      if (hits.length < PAGE) return out;
      after = hits[hits.length - 1].sort as Array<string | number>;
    }
  }

  async statesOf(recordIds: readonly string[]): Promise<ModelState[]> {
    const out: ModelState[] = [];
    for (let i = 0; i < recordIds.length; i += PAGE) {
      const ids = recordIds.slice(i, i + PAGE);
      const res = await this.client.search<Doc>({ index: this.index, ...SEARCH, size: ids.length, query: { ids: { values: ids } }, _source: ['record_id', 'version', 'deleted'] });
      out.push(...res.hits.hits.map((h) => stateOf(h._source!)));
    }
    return out;
  }
}

function rangeOf(slice: Slice) {
  return { range: { created_time: { gte: slice.fromMs, lt: slice.toMs, format: 'epoch_millis' } } };
}

function stateOf(doc: Doc): ModelState {
  return { recordId: doc.record_id, version: Number(doc.version), deleted: doc.deleted === true };
}
