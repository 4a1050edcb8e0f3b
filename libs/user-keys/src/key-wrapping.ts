import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { InternalError } from '@shardline/errors';
import { freshRandomBytes } from '@shardline/integration-events';
import { DATA_KEY_BYTES, type DataKey } from './user-keys.port';

/** First byte of a wrapped key: the wrapping format (room for a master-key id once keys rotate). */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** format + iv + tag + the encrypted 32-byte key: what `user_keys.wrapped_key` holds. */
export const WRAPPED_KEY_BYTES = 1 + IV_BYTES + TAG_BYTES + DATA_KEY_BYTES;

/**
 * The master key of development and tests, used when SHARDLINE_USER_KEY_MASTER is not set (apps
 * warn loudly at start). Public by construction: anyone with a dump of `user_keys` wrapped by it
 * can read every key, so production must configure its own.
 */
export const DEVELOPMENT_MASTER_KEY: Buffer = createHash('sha256').update('shardline development user-key master key; never use in production').digest();

/**
 * Data keys at rest are wrapped (AES-256-GCM) by a master key from configuration, so a copy of the
 * control database alone (a backup, a replica) opens nothing. The user id is the authenticated
 * data: a wrapped key copied onto another user's row does not unwrap.
 */
export class KeyWrapping {
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new InternalError('USER_KEYS.BAD_MASTER_KEY', `the master key must be 32 bytes, got ${masterKey.length}`);
  }

  wrap(userId: string, key: DataKey): Buffer {
    const iv = freshRandomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(userId));
    const ct = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), ct]);
  }

  /** Throws InternalError USER_KEYS.UNWRAP_FAILED when the master key is not the one that wrapped it (a configuration error, not retriable). */
  unwrap(userId: string, wrapped: Buffer): DataKey {
    try {
      if (wrapped.length !== WRAPPED_KEY_BYTES || wrapped[0] !== FORMAT) throw new Error(`unknown wrapped-key format (${wrapped.length} bytes)`);
      const iv = wrapped.subarray(1, 1 + IV_BYTES);
      const tag = wrapped.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(userId));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(wrapped.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new InternalError('USER_KEYS.UNWRAP_FAILED', `the data key of user ${userId} does not unwrap with the configured master key (SHARDLINE_USER_KEY_MASTER)`, error);
    }
  }
}

function aadOf(userId: string): Buffer {
  return Buffer.from(`shardline-user-key:${userId}`);
}
