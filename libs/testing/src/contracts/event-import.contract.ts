import { type EventImportTarget, type ImportedEvent, isStreamVersionConflict, monthKeyOf } from '@shardline/event-store';

/**
 * What writing a recording back into an event store must do (EventImportTarget), run against the
 * in-memory event store (unit) and MysqlEventImport (integration): events keep their versions,
 * times, metadata and given positions; a missing position is allocated after every one the shard
 * holds; a stream not at the expected version fails the whole call, nothing of it written.
 */
export function eventImportContract(name: string, open: () => Promise<{ target: EventImportTarget<unknown>; close(): Promise<void> }>) {
  describe(`EventImportTarget contract: ${name}`, () => {
    let target: EventImportTarget<unknown>;
    let close: () => Promise<void>;
    const month = monthKeyOf(new Date());
    const event = (version: number, position: string | null, id = `e-${version}`): ImportedEvent => ({
      type: 'Happened',
      schemaVersion: 1,
      data: { id: '1', business_id: 'b', user_id: '7', version },
      metadata: { eventId: id, commandId: `c-${id}`, correlationId: 'k', causationId: null, actor: 'importer' },
      streamVersion: version,
      position,
      createdTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, version)),
    });
    const stream = (streamId: string, expectedVersion: number, events: ImportedEvent[]) => ({ streamId, partitionMonth: month, partitionKey: 'b', expectedVersion, events, state: null });

    beforeAll(async () => ({ target, close } = await open()));
    afterAll(async () => close());

    it('writes events with their recorded versions, times, metadata and positions', async () => {
      await target.importStreams(1, [stream('s-1', 0, [event(1, '500'), event(2, '502')])], { outbox: false });
      const read = await target.readStream(1, 's-1');
      expect(read.map((e) => [e.position, e.streamVersion, e.createdTime.toISOString(), e.metadata.eventId, e.metadata.actor, e.data])).toEqual([
        ['500', 1, '2026-01-02T03:04:05.001Z', 'e-1', 'importer', { id: '1', business_id: 'b', user_id: '7', version: 1 }],
        ['502', 2, '2026-01-02T03:04:05.002Z', 'e-2', 'importer', { id: '1', business_id: 'b', user_id: '7', version: 2 }],
      ]);
      expect(await target.takenPositions(1, ['499', '500', '501', '502'])).toEqual(new Set(['500', '502']));
      expect(await target.takenPositions(0, ['500'])).toEqual(new Set());
    });

    it('allocates a missing position after every position the shard holds', async () => {
      await target.importStreams(1, [stream('s-1', 2, [event(3, null)])], { outbox: true });
      const [third] = (await target.readStream(1, 's-1')).slice(2);
      expect(BigInt(third.position)).toBeGreaterThan(502n);
    });

    it('refuses a call with a stream not at its expected version, and writes none of its streams', async () => {
      const error = await target.importStreams(1, [stream('s-2', 0, [event(1, '900', 'x-1')]), stream('s-1', 1, [event(2, '901', 'x-2')])], { outbox: false }).catch((e: unknown) => e);
      expect(isStreamVersionConflict(error)).toBe(true);
      expect(await target.readStream(1, 's-2')).toEqual([]);
      expect(await target.readStream(1, 's-1')).toHaveLength(3);
      expect(await target.takenPositions(1, ['900', '901'])).toEqual(new Set());
    });
  });
}
