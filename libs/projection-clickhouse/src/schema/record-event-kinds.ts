import type { Sql } from '../sql/sql-literals';

/**
 * What counts as a record arriving in or leaving a business, for every count of the analytics
 * (daily view, records per day, hot businesses, growth): a move (docs/adr/0004) creates the record
 * anew in its new business (RecordMovedIn) and ends it in the old one (RecordMovedOut), so
 * created − deleted stays the number of live records of each business.
 */
export const CREATED_EVENTS: Sql = "event_type IN ('RecordCreated', 'RecordMovedIn')";
export const UPDATED_EVENTS: Sql = "event_type = 'RecordUpdated'";
export const DELETED_EVENTS: Sql = "event_type IN ('RecordDeleted', 'RecordMovedOut')";
