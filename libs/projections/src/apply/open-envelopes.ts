import { InternalError } from '@shardline/errors';
import { isPoisonEnvelopeError, openEnvelope, SEALED_ENVELOPE_VERSION, type RecordEventEnvelope } from '@shardline/integration-events';
import type { DecodedEnvelopeCache } from './decoded-envelope-cache';
import type { EnvelopeKeys } from './envelope-keys.port';

/** An envelope opened (version 1, or the erasure of an erased user's event), or why it cannot be: poison. */
export type Opened = { event: RecordEventEnvelope } | { poison: string };

/**
 * Opens the sealed (version 2) envelopes of a chunk with ONE key lookup for their users; version-1
 * envelopes (the rebuild's replay of the event tables, a relay with sealing off) pass as they are.
 * A seal that does not open with the user's key is poison; a user without a key (erased) reads as
 * RecordErased. Throws when the keys cannot be had: a transient failure the caller retries.
 * With `cache`, an envelope another consumer group of the process opened with the very key found
 * now is not opened again (DecodedEnvelopeCache: the key lookup still decides, every time).
 */
export async function openEnvelopes(envelopes: readonly RecordEventEnvelope[], keys: EnvelopeKeys | undefined, cache?: DecodedEnvelopeCache): Promise<Opened[]> {
  const users = [...new Set(envelopes.filter((e) => e.envelope_version === SEALED_ENVELOPE_VERSION).map((e) => e.user_id))];
  if (users.length === 0) return envelopes.map((event) => ({ event }));
  // Never dead-letter sealed events for want of keys: that would lose them. Stall loudly instead.
  if (!keys) throw new InternalError('PROJECTION.NO_USER_KEYS', 'sealed envelopes (version 2) arrived but this projection has no key lookup configured');
  const found = await keys.existingKeys(users);
  return envelopes.map((envelope) => {
    try {
      const key = envelope.envelope_version === SEALED_ENVELOPE_VERSION ? found.get(envelope.user_id) : null;
      if (key === undefined) throw new InternalError('PROJECTION.NO_USER_KEY', `the key lookup did not answer for user ${envelope.user_id}`);
      if (!cache) return { event: openEnvelope(envelope, key) };
      // Erased (or unknown) now: whatever was opened before is not served, nor kept.
      if (key === null) {
        cache.forgetOpened(envelope);
        return { event: openEnvelope(envelope, null) };
      }
      const event = cache.openedWith(envelope, key) ?? openEnvelope(envelope, key);
      cache.rememberOpened(envelope, key, event);
      return { event };
    } catch (error) {
      if (!isPoisonEnvelopeError(error)) throw error;
      return { poison: error.message };
    }
  });
}
