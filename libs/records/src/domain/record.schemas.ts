import { z } from 'zod';
import { isPositiveInt64 } from '@shardline/ids';
import { dataContentDepthIssue, dataContentUnicodeIssue, RecordLimits } from './record.limits';
import { isPlainObject } from './merge-patch';
import { NewRecord } from './record.state';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A JSON object no deeper than RecordLimits.dataContentMaxDepth, its keys and strings well-formed Unicode. */
function jsonObjectSchema(notAnObject: string) {
  return z.custom<Record<string, unknown>>(isPlainObject, notAnObject).superRefine((value, ctx) => {
    const issue = dataContentDepthIssue(value) ?? dataContentUnicodeIssue(value);
    if (issue) ctx.addIssue({ code: 'custom', message: issue });
  });
}

/**
 * Input shapes shared by every client transport (REST, Kafka). zod gives per-field paths, which
 * become the `details[].field` of 400 answers.
 */
export const businessIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(RecordLimits.businessIdMaxLength, `must be at most ${RecordLimits.businessIdMaxLength} characters`)
  // Ids travel in URLs, Kafka keys, logs and every read model: no invisible or broken characters.
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters (U+0000..U+001F, U+007F..U+009F)')
  .refine((value) => value.isWellFormed(), 'must not contain an unpaired surrogate (not valid Unicode)');

export const userIdSchema = z
  .union([z.string(), z.number()], { error: 'must be a positive 64-bit integer (number or decimal string)' })
  .transform((value) => (typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : 'invalid') : value))
  .refine(isPositiveInt64, 'must be a positive 64-bit integer (number or decimal string)');

export const recordIdSchema = z.string().refine(isPositiveInt64, 'must be a record id (positive 64-bit integer)');

export const dataContentSchema = jsonObjectSchema('must be a JSON object');

export const newRecordSchema = z.strictObject({
  business_id: businessIdSchema,
  user_id: userIdSchema,
  data_content: dataContentSchema,
});
export type NewRecordBody = z.input<typeof newRecordSchema>;

/** A parsed new-record body (REST, a Kafka message, a batch item) as the domain's NewRecord. */
export function newRecordOf(body: z.output<typeof newRecordSchema>): NewRecord {
  return { businessId: body.business_id, userId: body.user_id, dataContent: body.data_content };
}

export const batchSchema = z.strictObject({
  data: z.array(z.unknown(), { error: 'must be an array of records' }),
  atomic: z.boolean({ error: 'must be a boolean' }).optional(),
});

export const patchSchema = z.strictObject({
  data_content: jsonObjectSchema('must be a JSON object (a merge patch)'),
});

/** A move's body; record_ids are counted before they are parsed (413 beyond the limit, like a batch's data). */
export const moveSchema = z.strictObject({
  from_business_id: businessIdSchema,
  to_business_id: businessIdSchema,
  record_ids: z.array(z.unknown(), { error: 'must be an array of record ids' }).optional(),
});

export const moveRecordIdsSchema = z.array(recordIdSchema);
