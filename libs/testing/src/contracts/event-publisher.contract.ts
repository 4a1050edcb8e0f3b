import { randomUUID } from 'node:crypto';
import type { RecordEventEnvelope } from '@shardline/integration-events';
import type { EventPublisher } from '@shardline/outbox-relay';

export interface EventPublisherFixture {
  publisher: EventPublisher;
  /** Every envelope a consumer of the destination has received so far, in the order of its partition (key). */
  received(): Promise<RecordEventEnvelope[]>;
  /** Makes the broker unreachable for the publisher (true) or reachable again (false). */
  cut(down: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the relay's publisher must do, run against the in-memory publisher (unit) and Kafka
 * (integration): resolve only once everything is there, in order per business, and reject while
 * the broker is unreachable (the relay then publishes the batch again: at least once).
 */
export function eventPublisherContract(name: string, open: () => Promise<EventPublisherFixture>) {
  describe(`EventPublisher contract: ${name}`, () => {
    let f: EventPublisherFixture;
    beforeAll(async () => {
      f = await open();
      await f.publisher.prepare();
      await f.publisher.prepare(); // idempotent
    });
    afterAll(async () => {
      await f?.publisher.close();
      await f?.close();
    });

    const tag = randomUUID().slice(0, 8);
    let seq = 0;
    const envelope = (business: string, version: number): RecordEventEnvelope => ({
      envelope_version: 1,
      event_id: randomUUID(),
      event_type: version === 1 ? 'RecordCreated' : 'RecordUpdated',
      schema_version: 1,
      stream_id: `record-${business}`,
      stream_version: version,
      shard: 0,
      position: String(++seq),
      business_id: business,
      user_id: '1',
      record_id: String(1000 + seq),
      occurred_at: new Date().toISOString(),
      command_id: randomUUID(),
      correlation_id: 'corr',
      causation_id: null,
      actor: null,
      data: { data_content: { version } },
    });
    /** The received envelopes of these businesses, once at least `count` arrived (a consumer lags the ack a little). */
    const receivedOf = async (businesses: string[], count: number) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const got = (await f.received()).filter((e) => businesses.includes(e.business_id));
        if (got.length >= count || Date.now() > deadline) return got;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    it('delivers every envelope, in publish order per business, once publish resolved', async () => {
      const businesses = [`${tag}-a`, `${tag}-b`, `${tag}-c`];
      const batch = [1, 2, 3, 4].flatMap((v) => businesses.map((b) => envelope(b, v)));
      await f.publisher.publish(batch);
      await f.publisher.publish([]);
      const got = await receivedOf(businesses, batch.length);
      expect(got.map((e) => e.event_id).sort()).toEqual(batch.map((e) => e.event_id).sort());
      for (const b of businesses) expect(got.filter((e) => e.business_id === b).map((e) => e.stream_version)).toEqual([1, 2, 3, 4]);
      expect(got.find((e) => e.event_id === batch[0].event_id)).toEqual(batch[0]);
    });

    it('rejects, and says it is not ready, while the broker cannot be reached; publishes again once it is back', async () => {
      expect(await f.publisher.ping()).toBe(true);
      const business = `${tag}-down`;
      const batch = [envelope(business, 1), envelope(business, 2)];
      await f.cut(true);
      try {
        await expect(f.publisher.publish(batch)).rejects.toBeDefined();
        expect(await f.publisher.ping()).toBe(false);
      } finally {
        await f.cut(false);
      }
      await f.publisher.publish(batch);
      expect(await f.publisher.ping()).toBe(true);
      // At least once: a failed publish may have written part of the batch before the retry.
      const got = await receivedOf([business], 2);
      expect(new Set(got.map((e) => e.event_id))).toEqual(new Set(batch.map((e) => e.event_id)));
      expect(got.at(-1)?.stream_version).toBe(2);
    });
  });
}
