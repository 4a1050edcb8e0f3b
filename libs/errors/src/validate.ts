import { z } from 'zod';
import { ValidationError } from './common-errors';
import { FieldIssue } from './shardline-error';

/**
 * Parses input with a zod schema or throws a ValidationError listing every bad field by its path in
 * the request (`data[3].user_id`, `date_range.to`), prefixed by `prefix` when the input is part of a
 * larger request. Every transport validates through here, so 400 answers name fields the same way.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(issuesOf(result.error, prefix));
}

export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    // Unknown keys are reported on the object; name the key itself.
    // An unknown key with an empty name (`?=1`, `{"": 1}`) is named `""`, not taken for the whole input.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] === '' ? '""' : issue.keys[0]] : issue.path;
    return { field: fieldPath(prefix, path), message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message };
  });
}

function fieldPath(prefix: string, path: PropertyKey[]): string {
  let out = prefix;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(body)';
}

/**
 * An integer in [min, max] whose every refusal names the range ("must be an integer 1..100"), for
 * query parameters (`coerce`: from their text) and body fields alike.
 */
export function integerInRange(min: number, max: number, options: { coerce?: boolean } = {}) {
  const message = `must be an integer ${min}..${max}`;
  const number = options.coerce ? z.coerce.number({ error: message }) : z.number({ error: message });
  return number.int(message).min(min, message).max(max, message);
}
