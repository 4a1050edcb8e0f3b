import { z } from 'zod';
import { integerInRange } from '@shardline/errors';
import { businessIdSchema, userIdSchema } from '@shardline/records';

export const MAX_SEARCH_PAGE_SIZE = 100;

export const RECORD_SEARCH_SORTS = ['created_time_desc', 'created_time_asc', 'relevance'] as const;
export type RecordSearchSort = (typeof RECORD_SEARCH_SORTS)[number];

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 date or date-time' });

/**
 * The body of POST /api/v1/data/search, validated by the query API before the port sees it
 * (400 naming the field); its output is the `RecordSearchQuery` an adapter receives.
 */
export const recordSearchQuerySchema = z
  .strictObject({
    /** Words looked up in every string/number leaf of data_content (all words must match). */
    keyword: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    business_id: businessIdSchema.optional(),
    /** Positive 64-bit integer; a decimal string once parsed. */
    user_id: userIdSchema.optional(),
    /** On created_time, ISO 8601: `from` inclusive, `to` exclusive; either may be omitted. */
    date_range: z
      .strictObject({ from: instant.optional(), to: instant.optional() }, { error: 'must be an object {from, to}' })
      .refine((r) => !r.from || !r.to || Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] })
      .optional(),
    sort: z.enum(RECORD_SEARCH_SORTS).default('created_time_desc'),
    page_size: integerInRange(1, MAX_SEARCH_PAGE_SIZE).default(20),
    /** Opaque cursor: the `next_cursor` of the previous page. Only valid with the same sort. */
    search_after: z.string({ error: 'must be a string' }).min(1).max(2048).optional(),
  })
  .refine((b) => b.sort !== 'relevance' || b.keyword !== undefined, { message: 'sort relevance needs a keyword', path: ['sort'] });

/** A validated search: what `RecordSearch.searchRecords` receives. */
export type RecordSearchQuery = z.output<typeof recordSearchQuerySchema>;
