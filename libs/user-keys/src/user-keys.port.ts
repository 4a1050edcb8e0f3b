/** A user's 256-bit data key (AES-256-GCM); it seals the personal content of that user's events on Kafka. */
export type DataKey = Buffer;

export const DATA_KEY_BYTES = 32;

/**
 * The per-user data keys of crypto-shredding. A key is created once, used by every relay to seal
 * and by every projector to open, and forgotten when the user is erased. Erasure is final: a user
 * id whose key was forgotten never gets a key again (a later event of that user is published as an
 * erasure), so a relay racing the erase can never re-create a key that would make new copies readable.
 *
 * Every map returned holds an entry for each distinct id asked for. User ids are positive 64-bit
 * integers as decimal strings (as in the envelope).
 */
export interface UserKeys {
  /**
   * The relay's lookup: each user's key, creating the missing ones (race-safe across processes:
   * whichever creation lands first is the key everyone gets). null: the user was erased.
   */
  keysFor(userIds: readonly string[]): Promise<Map<string, DataKey | null>>;
  /** The projector's lookup: each user's key, null for a user erased or never seen. Never creates. */
  existingKeys(userIds: readonly string[]): Promise<Map<string, DataKey | null>>;
  /**
   * Erases the user's key (idempotent; also marks a user without a key as erased, so none is ever
   * created for them). Returns whether a key existed. Other processes may keep using a cached copy
   * for at most their cache TTL (CachedUserKeys.ttlMs): the erasure is complete everywhere after it.
   */
  forget(userId: string): Promise<boolean>;
}

/**
 * The erasures so far, as one count that only grows: forget() raises it after the user's key is
 * gone (never before). A cache that saw the same count before reading a key and again now knows no
 * key it holds was forgotten in between, so it may keep keys past its TTL (CachedUserKeys).
 */
export interface UserKeyErasures {
  erasureCount(): Promise<number>;
}
