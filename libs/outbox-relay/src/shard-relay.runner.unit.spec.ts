import { Registry } from 'prom-client';
import type { StoredEvent } from '@shardline/event-store';
import { InMemoryLeaseBoard, InMemoryOutbox, InMemoryPublisher } from './in-memory/in-memory-relay.ports';
import { slotOf } from '@shardline/sharding';
import { RelayMetrics } from './relay.metrics';
import { DEFAULT_SHARD_RELAY_OPTIONS, ShardRelay, type ShardRelayOptions } from './shard-relay.runner';

let position = 0;
function event(business: string, version: number): StoredEvent {
  position += 1;
  return {
    shard: 0,
    position: String(position),
    streamId: `rec-${business}`,
    streamVersion: version,
    type: version === 1 ? 'RecordCreated' : 'RecordUpdated',
    schemaVersion: 1,
    data: { id: '1001', business_id: business, user_id: '7', data_content: { v: version } },
    metadata: { eventId: `e-${position}`, commandId: `c-${position}`, correlationId: 'corr', causationId: null, actor: null },
    createdTime: new Date('2026-01-02T03:04:05.678Z'),
  };
}

const OPTIONS: ShardRelayOptions = {
  ...DEFAULT_SHARD_RELAY_OPTIONS,
  batchSize: 3,
  idleMinMs: 5,
  idleMaxMs: 40,
  errorBackoffMinMs: 100,
  errorBackoffMaxMs: 400,
  leaseRetryMs: 250,
};

function setup(owner = 'me', board = new InMemoryLeaseBoard(), outbox = new InMemoryOutbox(0), publisher = new InMemoryPublisher()) {
  const registry = new Registry();
  const relay = new ShardRelay(outbox, board.lease(0, owner), publisher, new RelayMetrics(registry), OPTIONS);
  return { relay, outbox, publisher, board, registry };
}

async function metric(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name) as { values: Array<{ value: number }> } | undefined;
  return m?.values[0]?.value ?? NaN;
}

describe('ShardRelay (in-memory ports)', () => {
  it('lingers after a batch that was not full, and goes on at once after a full one (a backlog)', async () => {
    const registry = new Registry();
    const outbox = new InMemoryOutbox(0);
    const publisher = new InMemoryPublisher();
    const relay = new ShardRelay(outbox, new InMemoryLeaseBoard().lease(0, 'me'), publisher, new RelayMetrics(registry), { ...OPTIONS, lingerMs: 30 });
    for (let v = 1; v <= 4; v++) outbox.add(event('linger', v));
    expect(await relay.runOnce()).toBe(0); // 3 of 4: full, more may be waiting
    expect(await relay.runOnce()).toBe(30); // 1: rows trickle in, gather them
    expect(await relay.runOnce()).toBe(OPTIONS.idleMinMs); // empty: the idle backoff, not the linger
    expect(publisher.published.map((e) => e.stream_version)).toEqual([1, 2, 3, 4]);
  });

  it('polls an empty outbox 5 ms doubling to idleMaxMs, and once it stayed empty idleQuietAfterMs on to idleQuietMaxMs; the first rows end both', async () => {
    let clock = 0;
    const outbox = new InMemoryOutbox(0);
    const options = { ...OPTIONS, idleQuietAfterMs: 100, idleQuietMaxMs: 200 };
    const relay = new ShardRelay(outbox, new InMemoryLeaseBoard().lease(0, 'me'), new InMemoryPublisher(), new RelayMetrics(new Registry()), options, () => {}, () => clock);
    /** One cycle, then the clock moves on by the wait it asked for (as the loop's sleep would). */
    const cycle = async () => {
      const wait = await relay.runOnce();
      clock += wait;
      return wait;
    };
    const waits: number[] = [];
    while (clock < 500) waits.push(await cycle());
    // The reads at 0, 5, 15, 35 and 75 ms wait in the busy tier; from the read at 115 (empty for
    // 100 ms and more) the quiet tier, from idleMaxMs up to idleQuietMaxMs.
    expect(waits).toEqual([5, 10, 20, 40, 40, 40, 80, 160, 200]);
    outbox.add(event('quiet', 1));
    expect(await cycle()).toBe(OPTIONS.lingerMs);
    expect(await cycle()).toBe(5); // empty again: back to the busy tier's first wait
    expect(await cycle()).toBe(10);
  });

  it('leaves the rows of a held slot in the outbox while publishing the rest, reports the hold, and publishes them in order once released', async () => {
    const { relay, outbox, publisher, registry } = setup();
    outbox.held.add(slotOf('moved'));
    for (let v = 1; v <= 3; v++) {
      outbox.add(event('moved', v));
      outbox.add(event('staying', v));
    }
    await relay.runOnce();
    await relay.runOnce();
    expect(publisher.published.map((e) => `${e.business_id}#${e.stream_version}`)).toEqual(['staying#1', 'staying#2', 'staying#3']);
    expect(outbox.ids()).toHaveLength(3);
    expect(await metric(registry, 'shardline_relay_held_slots')).toBe(1);
    outbox.held.clear();
    await relay.runOnce();
    expect(publisher.published.slice(3).map((e) => `${e.business_id}#${e.stream_version}`)).toEqual(['moved#1', 'moved#2', 'moved#3']);
    expect(await metric(registry, 'shardline_relay_held_slots')).toBe(0);
  });

  it('publishes in outbox order, one batch per cycle, and deletes rows only after the ack', async () => {
    const { relay, outbox, publisher, registry } = setup();
    for (let v = 1; v <= 5; v++) outbox.add(event('acme', v));
    const seenDuringPublish: string[][] = [];
    publisher.onPublish = () => seenDuringPublish.push(outbox.ids());

    expect(await relay.runOnce()).toBe(0);
    expect(await relay.runOnce()).toBe(0);
    expect(await relay.runOnce()).toBe(OPTIONS.idleMinMs); // empty: idle backoff starts small

    expect(publisher.published.map((e) => e.stream_version)).toEqual([1, 2, 3, 4, 5]);
    // While the broker had not acked yet, the rows being published were still in the outbox.
    expect(seenDuringPublish).toEqual([['1', '2', '3', '4', '5'], ['4', '5']]);
    expect(outbox.removed).toEqual([['1', '2', '3'], ['4', '5']]);
    expect(outbox.ids()).toEqual([]);
    expect(publisher.published[0]).toMatchObject({ business_id: 'acme', event_type: 'RecordCreated', shard: 0, envelope_version: 1 });
    expect(relay.status()).toMatchObject({ leader: true, published: 5, publishErrors: 0 });
    expect(await metric(registry, 'shardline_relay_published_events_total')).toBe(5);
    expect(await metric(registry, 'shardline_relay_leader')).toBe(1);
  });

  it('keeps the rows when a publish fails, backs off exponentially (capped), and republishes the same rows once the broker is back', async () => {
    const { relay, outbox, publisher, registry } = setup();
    outbox.add(event('acme', 1));
    outbox.add(event('acme', 2));
    publisher.failing = true;

    const delays = [await relay.runOnce(), await relay.runOnce(), await relay.runOnce(), await relay.runOnce()];
    expect(delays).toEqual([100, 200, 400, 400]);
    expect(outbox.ids()).toEqual(['1', '2']);
    expect(outbox.removed).toEqual([]);
    expect(relay.status()).toMatchObject({ publishErrors: 4, published: 0 });
    expect(relay.status().lastError).toMatch(/broker down/);
    expect(await metric(registry, 'shardline_relay_publish_errors_total')).toBe(4);

    // Writes go on while the broker is down; the backlog drains in order when it returns.
    outbox.add(event('acme', 3));
    publisher.failing = false;
    expect(await relay.runOnce()).toBe(0);
    expect(publisher.published.map((e) => e.stream_version)).toEqual([1, 2, 3]);
    expect(outbox.ids()).toEqual([]);
    // A later failure starts the backoff from the beginning again.
    outbox.add(event('acme', 4));
    publisher.failing = true;
    expect(await relay.runOnce()).toBe(100);
  });

  it('publishes a late-committing lower id on a later cycle instead of skipping it', async () => {
    const { relay, outbox, publisher } = setup();
    const late = outbox.add(event('slow', 1), false); // id 1, transaction still open
    outbox.add(event('fast', 1)); // id 2, committed
    outbox.add(event('fast', 2)); // id 3, committed

    await relay.runOnce();
    expect(publisher.published.map((e) => e.business_id)).toEqual(['fast', 'fast']);
    expect(outbox.ids()).toEqual([late]);

    outbox.commit(late);
    await relay.runOnce();
    expect(publisher.published.map((e) => e.business_id)).toEqual(['fast', 'fast', 'slow']);
    expect(outbox.ids()).toEqual([]);
  });

  it('stays on standby while another relay holds the lease, and stops publishing at once when its own lease is lost', async () => {
    const board = new InMemoryLeaseBoard();
    const outbox = new InMemoryOutbox(0);
    const publisher = new InMemoryPublisher();
    const first = setup('first', board, outbox, publisher);
    const second = setup('second', board, outbox, publisher);
    outbox.add(event('acme', 1));

    await first.relay.runOnce();
    expect(await second.relay.runOnce()).toBe(OPTIONS.leaseRetryMs);
    expect(second.relay.status().leader).toBe(false);
    expect(publisher.published).toHaveLength(1);

    outbox.add(event('acme', 2));
    board.revoke(); // the holder's lock connection died: the lock is free
    expect(await second.relay.runOnce()).toBe(0); // the standby takes over and publishes
    outbox.add(event('acme', 3));
    expect(await first.relay.runOnce()).toBe(OPTIONS.leaseRetryMs); // the old holder notices and publishes nothing
    expect(first.relay.status().leader).toBe(false);
    expect(publisher.published.map((e) => e.stream_version)).toEqual([1, 2]);
    expect(await metric(first.registry, 'shardline_relay_leader')).toBe(0);
  });

  it('proves the lease before every publish, but while reads come back empty only every leaseProofIdleMs', async () => {
    const board = new InMemoryLeaseBoard();
    const lease = board.lease(0, 'me');
    let proofs = 0;
    const counted = { ...lease, isHeld: () => ((proofs += 1), lease.isHeld()) };
    const outbox = new InMemoryOutbox(0);
    const publisher = new InMemoryPublisher();
    let now = 0;
    const relay = new ShardRelay(outbox, counted, publisher, new RelayMetrics(new Registry()), { ...OPTIONS, leaseProofIdleMs: 1000 }, () => {}, () => now);
    await relay.runOnce(); // acquires: that is the proof
    for (let i = 0; i < 5; i++) await relay.runOnce();
    expect(proofs).toBe(0);
    now = 1000;
    await relay.runOnce();
    expect(proofs).toBe(1); // idle for a second: proved again (this keeps the lock's session alive)
    outbox.add(event('acme', 1));
    await relay.runOnce();
    expect(proofs).toBe(2); // rows: proved before publishing, however recent the last proof
    expect(publisher.published).toHaveLength(1);

    board.revoke(); // lost while idle: noticed at the next proof, and never published behind
    outbox.add(event('acme', 2));
    expect(await relay.runOnce()).toBe(OPTIONS.leaseRetryMs);
    expect(relay.status().leader).toBe(false);
    expect(publisher.published).toHaveLength(1);
  });

  it('backs off without publishing when the outbox cannot be read', async () => {
    const { relay, outbox, publisher } = setup();
    outbox.add(event('acme', 1));
    outbox.failReads = true;
    expect(await relay.runOnce()).toBe(100);
    expect(publisher.attempts).toBe(0);
    outbox.failReads = false;
    expect(await relay.runOnce()).toBe(0);
    expect(publisher.published).toHaveLength(1);
  });

  it('reports the backlog (rows and age of the oldest row)', async () => {
    const outbox = new InMemoryOutbox(0);
    const publisher = new InMemoryPublisher();
    publisher.failing = true;
    const registry = new Registry();
    const now = new Date('2026-01-02T03:05:05.678Z').getTime(); // 60 s after the events' created_time
    const relay = new ShardRelay(outbox, new InMemoryLeaseBoard().lease(0, 'me'), publisher, new RelayMetrics(registry), OPTIONS, () => {}, () => now);
    outbox.add(event('acme', 1));
    outbox.add(event('acme', 2));
    await relay.runOnce();
    expect(relay.status().backlog).toEqual({ rows: 2, estimated: false, oldestAgeSeconds: 60 });
    expect(await metric(registry, 'shardline_relay_outbox_backlog_rows')).toBe(2);
    expect(await metric(registry, 'shardline_relay_outbox_backlog_age_seconds')).toBe(60);
  });

  it('on stop, finishes the in-flight publish and delete, then releases the lease', async () => {
    const board = new InMemoryLeaseBoard();
    const { relay, outbox, publisher } = setup('me', board);
    outbox.add(event('acme', 1));
    let stopped: Promise<void> | undefined;
    publisher.onPublish = () => {
      stopped ??= relay.stop(); // the stop request arrives while the batch is in flight
    };
    relay.start();
    await new Promise<void>((resolve) => {
      const check = () => (stopped ? resolve() : setImmediate(check));
      check();
    });
    await stopped;
    expect(publisher.published).toHaveLength(1);
    expect(outbox.ids()).toEqual([]);
    expect(board.holder).toBeNull();
    expect(relay.status().leader).toBe(false);
  });
});
