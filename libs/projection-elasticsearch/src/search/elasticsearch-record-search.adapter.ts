import { errors, type Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import type { RecordDocument } from '../record-document';
import { decodeCursor, encodeCursor } from './search-cursor';
import {
  InvalidSearchQueryError,
  MAX_SEARCH_PAGE_SIZE,
  SearchUnavailableError,
  type RecordSearch,
  type RecordSearchItem,
  type RecordSearchPage,
  type RecordSearchQuery,
  type RecordSearchSort,
} from '@shardline/read-models';

/**
 * The query side's RecordSearch port over Elasticsearch. Searches the read alias (`records`, or
 * `<base>` in tests), so a rebuild's alias swap is invisible to callers. Tombstones (deleted
 * records) are always filtered out. Paging is search_after on a total order (sort key + record_id
 * as the tie-breaker, ids are unique), so walking the cursors visits every matching record once:
 * no skips, no repeats, and no deep from+size cost.
 */
export class ElasticsearchRecordSearch implements RecordSearch {
  constructor(
    private readonly client: Client,
    private readonly index: string = 'records',
  ) {}

  async searchRecords(query: RecordSearchQuery): Promise<RecordSearchPage> {
    const size = query.page_size;
    // The query side validated it already; `size` is what ES is asked to load, so it stays bounded here too.
    if (!Number.isInteger(size) || size < 1 || size > MAX_SEARCH_PAGE_SIZE) throw new InvalidSearchQueryError('page_size', `must be 1..${MAX_SEARCH_PAGE_SIZE}`);
    const sort = sortOf(query.sort);
    const after = query.search_after ? decodeCursor(query.search_after, query.sort, sort.length) : undefined;
    let response: estypes.SearchResponse<RecordDocument>;
    try {
      response = await this.client.search<RecordDocument>({
        index: this.index,
        query: queryOf(query),
        sort,
        search_after: after,
        // One extra hit tells whether another page exists, so the last page has no dangling cursor.
        size: size + 1,
        track_total_hits: false,
        _source: ['record_id', 'business_id', 'user_id', 'data_content', 'created_time', 'updated_time', 'version'],
      });
    } catch (error) {
      throw translate(error);
    }
    const hits = response.hits.hits;
    const page = hits.slice(0, size);
    const last = page[page.length - 1];
    return {
      items: page.map((hit) => itemOf(hit, query.sort)),
      next_cursor: hits.length > size && last?.sort ? encodeCursor(query.sort, last.sort as Array<string | number>) : null,
    };
  }
}

function sortOf(sort: RecordSearchSort): estypes.SortCombinations[] {
  switch (sort) {
    case 'created_time_desc':
      return [{ created_time: 'desc' }, { record_id: 'desc' }];
    case 'created_time_asc':
      return [{ created_time: 'asc' }, { record_id: 'asc' }];
    case 'relevance':
      return [{ _score: { order: 'desc' } }, { created_time: 'desc' }, { record_id: 'desc' }];
  }
}

function queryOf(q: RecordSearchQuery): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [];
  if (q.business_id !== undefined) filter.push({ term: { business_id: q.business_id } });
  if (q.user_id !== undefined) filter.push({ term: { user_id: q.user_id } });
  if (q.date_range && (q.date_range.from || q.date_range.to)) {
    filter.push({ range: { created_time: { ...(q.date_range.from ? { gte: q.date_range.from } : {}), ...(q.date_range.to ? { lt: q.date_range.to } : {}) } } });
  }
  const keyword = q.keyword?.trim();
  return {
    bool: {
      ...(keyword ? { must: [{ match: { data_text: { query: keyword, operator: 'and' } } }] } : {}),
      filter,
      must_not: [{ term: { deleted: true } }],
    },
  };
}

function itemOf(hit: estypes.SearchHit<RecordDocument>, sort: RecordSearchSort): RecordSearchItem {
  const doc = hit._source!;
  return {
    id: doc.record_id,
    business_id: doc.business_id,
    user_id: doc.user_id,
    data_content: (doc.data_content ?? {}) as Record<string, unknown>,
    created_time: new Date(doc.created_time).toISOString(),
    updated_time: new Date(doc.updated_time).toISOString(),
    version: doc.version,
    score: sort === 'relevance' ? (hit._score ?? null) : null,
  };
}

/** ES answers → the port's kinded errors; anything unrecognised is left for the query side (→ 503). */
function translate(error: unknown): unknown {
  if (error instanceof errors.ResponseError) {
    const type = (error.body as { error?: { type?: string; root_cause?: Array<{ type?: string; reason?: string }> } })?.error;
    if (error.statusCode === 400) {
      const reason = type?.root_cause?.[0]?.reason ?? error.message;
      // A malformed date in date_range is the caller's mistake.
      return new InvalidSearchQueryError('date_range', `invalid search: ${reason}`);
    }
    if (error.statusCode === 404 && type?.type === 'index_not_found_exception') return new SearchUnavailableError('the records search index does not exist yet (is the projector running?)', error);
    return new SearchUnavailableError(`search failed with ${error.statusCode}: ${error.message}`, error);
  }
  if (error instanceof errors.ElasticsearchClientError) return new SearchUnavailableError(`search engine unreachable: ${error.message}`, error);
  return error;
}
