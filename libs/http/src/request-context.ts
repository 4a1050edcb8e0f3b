import { randomUUID } from 'node:crypto';
import { ValidationError } from '@shardline/errors';

/** A bad request header, in the same envelope as body validation (the header is the field). */
const headerError = (field: string, message: string) => new ValidationError([{ field, message }]);

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const CORRELATION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestContextHeaders {
  'idempotency-key'?: string | string[];
  'x-correlation-id'?: string | string[];
}

/**
 * The command context of an HTTP request: Idempotency-Key (client-chosen command id, printable
 * ASCII, 1..200 chars) or a generated id, the correlation id (echoed back to the caller), and the
 * actor: the id of the API key that sent it (null with authentication off).
 */
export function commandContextFrom(headers: RequestContextHeaders, actor: string | null = null) {
  actor ??= null;
  const key = single(headers['idempotency-key'], 'Idempotency-Key');
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    throw headerError('Idempotency-Key', 'must be 1..200 printable ASCII characters');
  }
  const correlationId = correlationIdFrom(headers);
  return {
    commandId: key ?? randomUUID(),
    clientSupplied: key !== undefined,
    correlationId,
    causationId: null,
    actor,
  };
}

export function correlationIdFrom(headers: RequestContextHeaders): string {
  const given = single(headers['x-correlation-id'], 'X-Correlation-Id');
  if (given !== undefined && !CORRELATION_PATTERN.test(given)) {
    throw headerError('X-Correlation-Id', 'must be 1..128 characters of [A-Za-z0-9._:-]');
  }
  return given ?? randomUUID();
}

/** Parses `If-Match: "3"` / `If-Match: 3` / `W/"3"` into a version. */
export function expectedVersionFrom(ifMatch: string | string[] | undefined): number | undefined {
  const value = single(ifMatch, 'If-Match');
  if (value === undefined) return undefined;
  const match = /^(?:W\/)?"?([1-9][0-9]{0,9})"?$/.exec(value.trim());
  if (!match) throw headerError('If-Match', 'must be a record version such as "3"');
  return Number(match[1]);
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw headerError(name, 'must be sent once');
  return value;
}
