import fc from 'fast-check';
import { RecordLimits } from '@shardline/records';
import type { CommandResult } from '@shardline/records-kafka';
import { anyJson, businessIdArb, dataContentArb, mutatedObject, oddNumber, oddString, rarely, userIdArb } from './fuzz-support';

/**
 * Kafka command message values as the consumer hands them over (JSON text or bytes mostly,
 * sometimes not JSON at all), of every command type, mostly valid with one odd part.
 * `created`: ids of records that exist, for updates and deletes to aim at.
 */
export function commandMessageValues(created: Array<{ id: string }> = []): fc.Arbitrary<unknown> {
  const commandId = fc.oneof({ weight: 12, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom('k'.repeat(200), 'k'.repeat(201), '', ' ', 'é') }, { weight: 1, arbitrary: anyJson });
  const recordId = fc.oneof(
    fc.constant(undefined).map(() => created[created.length - 1]?.id ?? '1'),
    fc.constantFrom('1', '0', '18446744073709551616', '9223372036854775807'),
    oddString(20),
    oddNumber,
  );
  // Mostly valid fields, so that most messages reach the handlers with one odd part.
  const business = fc.oneof({ weight: 6, arbitrary: fc.constant('fuzz-kafka') }, { weight: 1, arbitrary: businessIdArb });
  const user = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 1000 }) }, { weight: 1, arbitrary: userIdArb });
  const content = fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) }, { weight: 1, arbitrary: dataContentArb });
  const version = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -1, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 31 + 1, 1.5) }, { weight: 1, arbitrary: anyJson });
  const common = { command_id: commandId, correlation_id: rarely(fc.oneof(fc.constantFrom('c-1', 'x'.repeat(129)), oddString(10)), 4) };
  const message = fc.oneof(
    mutatedObject({ ...common, type: fc.constant('create'), business_id: business, user_id: user, data_content: content }),
    mutatedObject({ ...common, type: fc.constant('update'), business_id: business, id: recordId, data_content: content, expected_version: version }),
    mutatedObject({ ...common, type: fc.constant('delete'), business_id: business, id: recordId, expected_version: version }),
    mutatedObject({
      ...common,
      type: fc.constant('create_batch'),
      data: fc.oneof(
        { weight: 8, arbitrary: fc.array(mutatedObject({ business_id: business, user_id: user, data_content: content }), { minLength: 1, maxLength: 4 }) },
        { weight: 1, arbitrary: fc.constant(Array.from({ length: RecordLimits.batchMaxRecords + 1 }, (_, i) => ({ business_id: 'fuzz-kafka', user_id: i + 1, data_content: {} }))) },
        { weight: 1, arbitrary: anyJson },
      ),
      atomic: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyJson }),
    }),
    mutatedObject({ ...common, type: fc.oneof(fc.constantFrom('CREATE', 'patch', ''), oddString(10), anyJson) }),
  );
  return fc.oneof(
    { weight: 8, arbitrary: message.map((m) => JSON.stringify(m)) },
    { weight: 2, arbitrary: message.map((m) => Buffer.from(JSON.stringify(m))) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('', '{', 'null', '[]', '"x"', '1', '\ufeff{}'), oddString(40), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), fc.constant(null)) },
  );
}

/** What is wrong with a command's result: a 5xx (but the documented 501 of an atomic batch without a saga runtime), a 400/413 naming no field. */
export function problemsOf(result: CommandResult): string[] {
  if (result.status === 'ok') return result.http_status < 300 ? [] : [`ok with ${result.http_status}`];
  const { http_status: status, error } = result;
  const problems: string[] = [];
  const atomicNotWired = status === 501 && error.code === 'NOT_IMPLEMENTED';
  if (status >= 500 && !atomicNotWired) problems.push(`answered ${status}`);
  if (status < 400) problems.push(`error with ${status}`);
  const details = error.details as Array<{ field?: unknown }>;
  if ((status === 400 || status === 413) && (details.length === 0 || details.some((d) => typeof d.field !== 'string' || d.field === ''))) problems.push('400/413 without a named field');
  return problems;
}
