import { ValidationError } from '@shardline/errors';

const USER_ID = /^[1-9][0-9]{0,18}$/;

/** The distinct ids, each checked to be what the envelope's user_id may be (1 to 19 digits, no leading zero: fits `BIGINT UNSIGNED`). */
export function distinctUserIds(userIds: readonly string[]): string[] {
  const ids = [...new Set(userIds)];
  for (const id of ids) {
    if (!USER_ID.test(id)) {
      throw new ValidationError([{ field: 'user_id', message: `not a positive 64-bit integer: ${JSON.stringify(id)}` }], 'USER_KEYS.INVALID_USER_ID');
    }
  }
  return ids;
}
