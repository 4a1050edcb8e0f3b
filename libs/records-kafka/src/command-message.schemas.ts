import { z } from 'zod';
import { businessIdSchema, dataContentSchema, newRecordSchema, patchSchema, recordIdSchema, userIdSchema } from '@shardline/records';

/** Same rule as the REST Idempotency-Key: the command id IS the idempotency key. */
export const commandIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1..200 printable ASCII characters');

export const COMMAND_TYPES = ['create', 'update', 'delete', 'create_batch'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

const envelope = {
  command_id: commandIdSchema,
  correlation_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1..128 characters of [A-Za-z0-9._:-]').optional(),
};
const expectedVersion = z.number({ error: 'must be an integer' }).int('must be an integer').min(1).max(2 ** 31).optional();

/** The bodies are the REST bodies (same domain schemas), plus command_id and type. */
export const commandMessageSchemas = {
  create: z.strictObject({ ...envelope, type: z.literal('create'), ...newRecordSchema.shape }),
  update: z.strictObject({
    ...envelope,
    type: z.literal('update'),
    business_id: businessIdSchema,
    id: recordIdSchema,
    data_content: patchSchema.shape.data_content,
    /** The REST If-Match. */
    expected_version: expectedVersion,
  }),
  delete: z.strictObject({ ...envelope, type: z.literal('delete'), business_id: businessIdSchema, id: recordIdSchema, expected_version: expectedVersion }),
  create_batch: z.strictObject({
    ...envelope,
    type: z.literal('create_batch'),
    data: z.array(z.strictObject({ business_id: businessIdSchema, user_id: userIdSchema, data_content: dataContentSchema }), {
      error: 'must be an array of records',
    }),
    atomic: z.boolean({ error: 'must be a boolean' }).optional(),
  }),
} satisfies Record<CommandType, z.ZodType>;

export type CommandMessage = { [K in CommandType]: z.output<(typeof commandMessageSchemas)[K]> }[CommandType];
