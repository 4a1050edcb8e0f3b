import { InternalError } from '@shardline/errors';
import { ENVELOPE_VERSION, erasedEnvelope, sealEnvelope, type RecordEventEnvelope } from '@shardline/integration-events';
import type { EventPublisher, SealingKeys } from './outbox-relay.ports';

/**
 * Seals every envelope with its user's data key before the wrapped publisher sends it (crypto-
 * shredding, README "Erasure"): the keys of a whole batch in ONE keysFor call, then an AES-256-GCM
 * seal per event (envelope version 2). An erased user's events go out as RecordErased, never in
 * clear and never under a new key. When the keys cannot be had (control database down) publish
 * rejects like a broker failure: the relay keeps the rows and backs off.
 */
export class SealingEventPublisher implements EventPublisher {
  constructor(
    private readonly inner: EventPublisher,
    private readonly keys: SealingKeys,
  ) {}

  prepare(): Promise<void> {
    return this.inner.prepare();
  }

  async publish(envelopes: RecordEventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    // Events sealed when they were written (docs/adr/0005) travel as they are: no key needed.
    const plain = envelopes.filter((e) => e.envelope_version === ENVELOPE_VERSION);
    if (plain.length === 0) return this.inner.publish(envelopes);
    const keys = await this.keys.keysFor([...new Set(plain.map((e) => e.user_id))]);
    const sealed = envelopes.map((envelope) => {
      if (envelope.envelope_version !== ENVELOPE_VERSION) return envelope;
      const key = keys.get(envelope.user_id);
      if (key === undefined) throw new InternalError('RELAY.NO_DATA_KEY', `no data key answered for user ${envelope.user_id}`);
      return key === null ? erasedEnvelope(envelope) : sealEnvelope(envelope, key);
    });
    await this.inner.publish(sealed);
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
