/**
 * Full-text and filtered search over records (the read side of POST /api/v1/data/search).
 * Driver-free: the query API depends on this port; `ElasticsearchRecordSearch` implements it.
 */
export const RECORD_SEARCH = Symbol('RecordSearch');

export type RecordSearchSort = 'created_time_desc' | 'created_time_asc' | 'relevance';

export const MAX_SEARCH_PAGE_SIZE = 100;

export interface RecordSearchQuery {
  /** Words looked up in every string/number leaf of data_content (all words must match). */
  keyword?: string;
  business_id?: string;
  /** Positive 64-bit integer as a decimal string. */
  user_id?: string;
  /** On created_time, ISO 8601: `from` inclusive, `to` exclusive; either may be omitted. */
  date_range?: { from?: string; to?: string };
  sort: RecordSearchSort;
  /** 1..100. */
  page_size: number;
  /** Opaque cursor: the `next_cursor` of the previous page (base64url). Only valid with the same sort. */
  search_after?: string;
}

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

export interface RecordSearch {
  searchRecords(query: RecordSearchQuery): Promise<RecordSearchPage>;
}

/** The request cannot be answered as asked (bad cursor, cursor of another sort, page_size out of range): a 400. */
export class InvalidSearchQueryError extends Error {
  readonly code = 'SEARCH.INVALID_QUERY';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidSearchQueryError';
  }
}

/** The search engine cannot be reached or is overloaded: a 503. */
export class SearchUnavailableError extends Error {
  readonly code = 'SEARCH.UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SearchUnavailableError';
  }
}
