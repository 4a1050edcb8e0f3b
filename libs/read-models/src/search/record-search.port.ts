import type { RecordSearchQuery } from './record-search.schemas';

/**
 * Full-text and filtered search over records (the read side of POST /api/v1/data/search).
 * Queries arrive validated by `recordSearchQuerySchema`. An adapter throws InvalidSearchQueryError
 * for what only it can judge (a cursor it did not issue, a date its engine cannot parse) and
 * SearchUnavailableError when its engine cannot answer; the query API answers anything else
 * unknown with 503 SEARCH.UNAVAILABLE.
 */
export interface RecordSearch {
  searchRecords(query: RecordSearchQuery): Promise<RecordSearchPage>;
}

export const RECORD_SEARCH = Symbol('RecordSearch');

export interface RecordSearchItem {
  id: string;
  business_id: string;
  user_id: string;
  data_content: Record<string, unknown>;
  created_time: string;
  updated_time: string;
  version: number;
  /** Relevance score when sort = relevance, else null. */
  score: number | null;
}

export interface RecordSearchPage {
  items: RecordSearchItem[];
  /** Pass as search_after for the next page; null when this page is the last. */
  next_cursor: string | null;
}
