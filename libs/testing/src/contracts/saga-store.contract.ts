import { attemptStarted, defineSaga, newSagaState, operatorPause, stepContinued, stepSucceeded, type SagaState, type SagaStore } from '@shardline/sagas';

/**
 * What every SagaStore must do, run against the in-memory double (unit) and the control database
 * (integration), so the double cannot drift from the real adapter.
 */
export function sagaStoreContract(name: string, open: () => Promise<{ store: SagaStore; close(): Promise<void> }>) {
  const definition = defineSaga({
    type: 'contract',
    deadlineMs: 60_000,
    parseInput: (raw) => raw,
    steps: [{ name: 'one', timeoutMs: 1000, action: async () => 'ok' }],
  });
  const at = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, seconds));
  const saga = (id: string, seconds = 0): SagaState => newSagaState(definition, id, { n: id }, at(seconds));

  describe(`SagaStore contract: ${name}`, () => {
    let store: SagaStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close());

    it('creates once per id and loads what it stored', async () => {
      expect(await store.create(saga('a1'))).toBe(true);
      expect(await store.create({ ...saga('a1'), input: { other: true } })).toBe(false);
      expect(await store.load('a1')).toEqual(saga('a1'));
      expect(await store.load('missing')).toBeNull();
    });

    it('saves only over the expected version', async () => {
      await store.create(saga('b1'));
      const next = stepSucceeded(saga('b1'), definition, { rows: 3 }, at(5));
      expect(await store.save(next, 2)).toBe(false);
      expect(await store.save(next, 1)).toBe(true);
      expect(await store.save(next, 1)).toBe(false);
      expect(await store.load('b1')).toMatchObject({ status: 'completed', version: 2, results: { one: { rows: 3 } } });
    });

    it('one run at a time: a claim saves the attempt and holds the saga; another claim is busy until released or run out', async () => {
      await store.create(saga('r1'));
      const first = attemptStarted(saga('r1'), definition, at(1));
      expect(await store.claimRun(first, 1, { token: 'run-a', leaseMs: 60_000 })).toEqual({ outcome: 'claimed' });
      expect(await store.load('r1')).toMatchObject({ attempts: 1 });
      // The same version claimed again (a duplicate delivery, a retry of an abandoned run): busy.
      const busy = await store.claimRun(attemptStarted(first, definition, at(2)), 1, { token: 'run-b', leaseMs: 60_000 });
      expect(busy).toEqual({ outcome: 'busy', busyForMs: expect.any(Number), sameVersion: true });
      expect((busy as { busyForMs: number }).busyForMs).toBeGreaterThan(50_000);
      expect(await store.load('r1')).toMatchObject({ attempts: 1 });
      expect(await store.claimRun(first, 7, { token: 'run-b', leaseMs: 60_000 })).toEqual({ outcome: 'stale' });
      // Only the holder renews or releases.
      expect(await store.renewRun('r1', 'run-b', 60_000)).toBe(false);
      expect(await store.renewRun('r1', 'run-a', 60_000)).toBe(true);
      await store.releaseRun('r1', 'run-b');
      expect((await store.claimRun(first, 1, { token: 'run-b', leaseMs: 60_000 })).outcome).toBe('busy');
      await store.releaseRun('r1', 'run-a');
      expect(await store.claimRun(attemptStarted(first, definition, at(3)), 1, { token: 'run-b', leaseMs: 150 })).toEqual({ outcome: 'claimed' });
      // A lease that ran out (its worker died) no longer holds the saga.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await store.claimRun(attemptStarted(first, definition, at(4)), 1, { token: 'run-c', leaseMs: 60_000 })).toEqual({ outcome: 'claimed' });
    });

    it('a save can end the run lease in the same write, only for the token that holds it', async () => {
      await store.create(saga('r2'));
      const started = attemptStarted(saga('r2'), definition, at(1));
      expect((await store.claimRun(started, 1, { token: 'run-a', leaseMs: 60_000 })).outcome).toBe('claimed');
      const done = stepSucceeded(started, definition, 'ok', at(2));
      // A save without the holder's token leaves the lease; a stale save changes nothing.
      expect(await store.save(done, 1, { releaseRun: 'someone-else' })).toBe(true);
      expect((await store.claimRun(done, 2, { token: 'run-b', leaseMs: 60_000 })).outcome).toBe('busy');
      expect(await store.save({ ...done, version: 3 }, 1, { releaseRun: 'run-a' })).toBe(false);
      expect((await store.claimRun(done, 2, { token: 'run-b', leaseMs: 60_000 })).outcome).toBe('busy');
      expect(await store.save({ ...done, version: 3 }, 2, { releaseRun: 'run-a' })).toBe(true);
      expect(await store.claimRun({ ...done, version: 3 }, 3, { token: 'run-b', leaseMs: 60_000 })).toEqual({ outcome: 'claimed' });
    });

    it('keeps a payload of several megabytes until it is purged after the saga finished', async () => {
      const payload = { records: Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'é'.repeat(100) })) };
      await store.create(saga('c1'), payload);
      await store.create(saga('c2'), { small: true });
      expect(await store.loadPayload('c1')).toEqual(payload);
      await store.save(stepSucceeded(saga('c1'), definition, null, at(1)), 1);
      expect(await store.loadPayload('c1')).toEqual(payload);
      expect(await store.purgeFinishedPayloads(at(1), 100)).toBe(0);
      expect(await store.purgeFinishedPayloads(at(2), 100)).toBe(1);
      expect(await store.loadPayload('c1')).toBeNull();
      expect(await store.loadPayload('c2')).toEqual({ small: true });
      expect(await store.loadPayload('never')).toBeNull();
    });

    it('lists newest first by status and type, page by page', async () => {
      for (let i = 0; i < 5; i++) await store.create({ ...saga(`l${i}`, 100 + i), type: 'listed' });
      const first = await store.list({ type: 'listed', limit: 3 });
      expect(first.map((s) => s.id)).toEqual(['l4', 'l3', 'l2']);
      expect(first[0]).not.toHaveProperty('input');
      const second = await store.list({ type: 'listed', limit: 3, beforeId: 'l2' });
      expect(second.map((s) => s.id)).toEqual(['l1', 'l0']);
      expect((await store.list({ type: 'listed', status: 'completed', limit: 10 })).length).toBe(0);
    });

    it('finds running sagas that have not moved since a time', async () => {
      await store.create({ ...saga('i1', 200), type: 'idle' });
      await store.create({ ...saga('i2', 300), type: 'idle' });
      const idle = await store.findIdle(at(250), 100);
      expect(idle).toContainEqual({ id: 'i1', version: 1 });
      expect(idle.map((s) => s.id)).not.toContain('i2');
      expect(idle.map((s) => s.id)).not.toContain('b1');
    });

    it('keeps a continued step\'s progress and due time; a paused saga is listed by its status, counted open, never idle', async () => {
      await store.create({ ...saga('p1', 400), type: 'paused-kind' });
      const continued = stepContinued(attemptStarted(saga('p1', 400), definition, at(401)), definition, { done: 2, last: 'k-0042', nested: [1, { é: null }] }, 5000, at(401));
      expect(await store.save({ ...continued, type: 'paused-kind' }, 1)).toBe(true);
      expect(await store.load('p1')).toMatchObject({ version: 2, progress: { step: 'one', action: { done: 2, last: 'k-0042', nested: [1, { é: null }] } }, continueAt: at(406).toISOString() });
      const paused = operatorPause({ ...continued, type: 'paused-kind' }, at(402));
      expect(await store.save(paused, 2)).toBe(true);
      expect(await store.load('p1')).toMatchObject({ status: 'paused', pausedFrom: 'running', pausedAt: at(402).toISOString() });
      expect((await store.list({ status: 'paused', type: 'paused-kind', limit: 10 })).map((s) => [s.id, s.status])).toEqual([['p1', 'paused']]);
      expect((await store.findIdle(at(10_000), 1000)).map((s) => s.id)).not.toContain('p1');
      expect((await store.countOpen()).find((c) => c.type === 'paused-kind')).toMatchObject({ status: 'paused', count: 1 });
    });
  });
}
