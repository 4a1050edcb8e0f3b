/**
 * The data keys a projection opens sealed envelopes with (a UserKeys of @shardline/user-keys fits):
 * each user's key, null when the user was erased or is unknown (the event then reads as its
 * erasure). Never creates a key. Must answer for every id asked for.
 */
export interface EnvelopeKeys {
  existingKeys(userIds: readonly string[]): Promise<ReadonlyMap<string, Buffer | null>>;
}
