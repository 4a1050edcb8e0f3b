import { UnavailableError } from '@shardline/errors';
import { fails, sagaHarness, sagaSpec, succeeds } from '@shardline/testing';
import type { EraseUserEffects } from './erase-user.effects';
import { ERASE_USER, eraseUserSaga, type ErasureReport } from './erase-user.saga';

/** Effects over an in-memory "world": what the user has where, and faults to inject. */
function world() {
  const held = { key: true, records: new Map([[0, 2], [1, 0], [2, 5], [3, 1]]), documents: 8, rows: 16 };
  const calls: string[] = [];
  const failing = new Set<string>();
  /** What each shard's erasure counted when it began, by command id (the shard's idempotency store does this). */
  const counted = new Map<string, number>();
  const map = { version: 1 };
  const effects: EraseUserEffects = {
    shards: () => [0, 1, 2, 3],
    mapVersion: () => map.version,
    async forgetKey() {
      calls.push('forget-key');
      const keyExisted = held.key;
      held.key = false;
      return { keyExisted, unreadableFrom: '2026-12-02T00:00:30.000Z' };
    },
    async eraseRecordsOnShard(_user, shard, commandId) {
      if (failing.has(`records:${shard}`)) throw new UnavailableError('EVENT_STORE.SHARD_UNAVAILABLE', `shard ${shard} is down`);
      calls.push(`records:${shard}`);
      if (!counted.has(commandId)) counted.set(commandId, held.records.get(shard) ?? 0);
      held.records.set(shard, 0);
      return { records: counted.get(commandId)! };
    },
    async eraseSearch() {
      if (failing.has('search')) throw new UnavailableError('SEARCH.UNAVAILABLE', 'es is down');
      calls.push('search');
      const documents = held.documents;
      held.documents = 0;
      return { documents };
    },
    async eraseAnalytics() {
      calls.push('analytics');
      const rows = held.rows;
      held.rows = 0;
      return { rows };
    },
  };
  const { orchestrator, drain } = sagaHarness([{ definition: eraseUserSaga, effects }]);
  return { held, calls, failing, map, effects, orchestrator, drain };
}

describe('erase-user saga (definition)', () => {
  const spec = sagaSpec(eraseUserSaga, { input: { user_id: '42' } });
  const down = new UnavailableError('SEARCH.UNAVAILABLE', 'es is down');

  it('has no way back: its pivot is the first step, so a later failure parks it instead of compensating', () => {
    // Forgetting the key failing for good changed nothing: no step has a compensation to run.
    spec.given().when(fails(down, { final: true })).thenCompensated('SEARCH.UNAVAILABLE');
    spec.given('forget-key').when(succeeds()).thenRuns('erase-search').when(fails(down)).thenRetries();
    spec.given('forget-key', 'erase-records').when(fails(down, { final: true })).thenParks('SEARCH.UNAVAILABLE');
  });
});

describe('erase-user saga', () => {
  it('forgets the key first, then erases every shard, the search and the analytics read models, and reports what it found', async () => {
    const w = world();
    await w.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e1' });
    await w.drain();
    expect(w.calls[0]).toBe('forget-key');
    expect(w.calls.slice(-2)).toEqual(['search', 'analytics']);
    const view = await w.orchestrator.clientView('e1');
    expect(view.status).toBe('completed');
    expect(view.result as ErasureReport).toEqual({
      user_id: '42',
      key: { keyExisted: true, unreadableFrom: '2026-12-02T00:00:30.000Z' },
      records: { total: 8, by_shard: [{ shard: 0, records: 2 }, { shard: 1, records: 0 }, { shard: 2, records: 5 }, { shard: 3, records: 1 }] },
      search_documents: 8,
      analytics_rows: 16,
    });
  });

  it('cannot be compensated: a store down past the attempts parks the saga (the key is already gone); an operator retry finishes it', async () => {
    const w = world();
    w.failing.add('search');
    await w.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e2' });
    await w.drain();
    expect(await w.orchestrator.get('e2')).toMatchObject({ status: 'parked', parkedFrom: 'running', pivotPassed: true, reason: { step: 'erase-search', code: 'SEARCH.UNAVAILABLE' } });
    expect(w.held.key).toBe(false);
    await expect(w.orchestrator.abort('e2')).resolves.toMatchObject({ status: 'aborted' });

    const v = world();
    v.failing.add('search');
    await v.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e3' });
    await v.drain();
    v.failing.delete('search');
    await v.orchestrator.retry('e3');
    await v.drain();
    expect(await v.orchestrator.get('e3')).toMatchObject({ status: 'completed' });
  });

  it('a shard down during erase-records is retried; erasing again finds nothing more (every step is safe to repeat)', async () => {
    const w = world();
    w.failing.add('records:2');
    await w.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e4' });
    const first = w.orchestrator;
    for (let i = 0; i < 3; i++) {
      const state = await first.get('e4');
      await first.runJob({ sagaId: 'e4', version: state.version }).catch(() => undefined);
    }
    w.failing.delete('records:2');
    await w.drain();
    const report = (await w.orchestrator.clientView('e4')).result as ErasureReport;
    expect(report.records.total).toBe(8);
    // A second erasure of the same user finds the key gone and nothing left.
    await w.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e5' });
    await w.drain();
    expect((await w.orchestrator.clientView('e5')).result).toMatchObject({ key: { keyExisted: false }, records: { total: 0 }, search_documents: 0, analytics_rows: 0 });
  });

  it('goes round the shards again when the slot map changed during the round (a moved slot may have been skipped on both sides)', async () => {
    const w = world();
    const erase = w.effects.eraseRecordsOnShard.bind(w.effects);
    let flips = 1;
    w.effects.eraseRecordsOnShard = async (user, shard, commandId, signal, actor) => {
      // The slot moves from shard 2 to shard 3 while the round runs: shard 3 was done before it owned it.
      if (shard === 2 && flips-- > 0) {
        w.map.version++;
        w.held.records.set(3, 4);
      }
      return erase(user, shard, commandId, signal, actor);
    };
    await w.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e6' });
    await w.drain();
    expect(w.calls.filter((c) => c === 'records:3')).toHaveLength(2);
    expect(w.held.records.get(3)).toBe(0);
    expect(await w.orchestrator.get('e6')).toMatchObject({ status: 'completed' });
  });

  it('retries the step when the map keeps changing round after round', async () => {
    const w = world();
    const erase = w.effects.eraseRecordsOnShard.bind(w.effects);
    let flips = 7;
    w.effects.eraseRecordsOnShard = async (user, shard, commandId, signal, actor) => {
      if (shard === 0 && flips-- > 0) w.map.version++;
      return erase(user, shard, commandId, signal, actor);
    };
    await w.orchestrator.start(ERASE_USER, { user_id: '42' }, { id: 'e7' });
    await w.drain();
    const state = await w.orchestrator.get('e7');
    expect(state.status).toBe('completed');
    expect(state.failures.map((f) => f.code)).toContain('ERASE.MAP_MOVING');
  });

  it('refuses an input that is not a user id', async () => {
    const w = world();
    await expect(w.orchestrator.start(ERASE_USER, { user_id: '0' })).rejects.toMatchObject({ kind: 'validation', details: [{ field: 'user_id' }] });
  });
});
