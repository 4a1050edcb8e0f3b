import { UnavailableError, ValidationError } from '@shardline/errors';

/** The search cannot be answered as asked (a foreign cursor, a cursor of another sort, a date the engine cannot parse): 400 naming the field. */
export class InvalidSearchQueryError extends ValidationError {
  constructor(field: string, message: string) {
    super([{ field, message }], 'SEARCH.INVALID_QUERY');
  }
}

/** The search engine cannot be reached, is overloaded or has no index yet: 503, worth retrying. */
export class SearchUnavailableError extends UnavailableError {
  constructor(message: string, cause?: unknown) {
    super('SEARCH.UNAVAILABLE', message, cause);
  }
}
