import { UnavailableError } from '@shardline/errors';
import { fails, sagaHarness, sagaSpec, succeeds } from '@shardline/testing';
import type { CopyCursor, SlotMoveEffects, SlotMoveGroup, SlotMoveStage } from './slot-move.effects';
import { admitPollDelay, MAX_ADMIT_POLL_MS, SLOT_MOVE, slotMoveSaga, SlotMoveVerificationError } from './slot-move.saga';

/**
 * Two shards in memory: the source's rows of the moving slots (positions), the target's copies,
 * who owns each slot on each side and in the map, the relay hold, the source's unpublished outbox.
 * Writes may land on the source between any two effects (`writeOnSource`), only while it owns the slots.
 */
function world(options: { chunk?: number; parallel?: number } = {}) {
  const chunk = options.chunk ?? 3;
  const source: number[] = [1, 2, 3, 4, 5, 6, 7];
  const target = new Set<number>();
  const owners = { source: true, target: false, map: 'source' as 'source' | 'target', hold: false, epoch: 1 };
  const stages: SlotMoveStage[] = [];
  const admitted = new Set<number>();
  const calls: string[] = [];
  const faults = { staged: 0, outbox: 0, tamper: false, failGrant: false };
  let next = 8;
  const writeOnSource = () => {
    if (!owners.source) throw new Error('a write landed on a shard that does not own the slot');
    source.push(next++);
  };
  const copy = (from: number, limit: number) => {
    const rows = source.filter((p) => p > from).slice(0, limit);
    for (const p of rows) target.add(p);
    return rows;
  };
  const effects: SlotMoveEffects = {
    async admit(group) {
      if (admitted.size >= (options.parallel ?? 1) && !admitted.has(group.group)) return { admitted: false, roundsAhead: 0 };
      admitted.add(group.group);
      return { admitted: true };
    },
    async release(group) {
      admitted.delete(group.group);
    },
    async report(_group, stage) {
      if (stages.at(-1) !== stage) stages.push(stage);
    },
    async copyChunk(_group, cursor) {
      const rows = copy((cursor as number | null) ?? 0, chunk);
      writeOnSource();
      return { cursor: rows.at(-1) ?? cursor ?? 0, rows: rows.length, done: rows.length < chunk };
    },
    async catchUpChunk(_group, cursor, { final }) {
      calls.push(final ? 'final-catch-up' : 'catch-up');
      const rows = copy(cursor as number, chunk);
      const at = (rows.at(-1) ?? cursor) as number;
      return { cursor: at, rows: rows.length, done: rows.length < chunk, rowsBehind: source.filter((p) => p > at).length };
    },
    async verify(group, { upTo }) {
      calls.push(upTo === null ? 'verify-exact' : 'verify');
      const expected = source.filter((p) => upTo === null || p <= (upTo as number));
      const copied = [...target].filter((p) => upTo === null || p <= (upTo as number));
      const differs = faults.tamper || expected.length !== copied.length;
      return differs ? [{ slot: group.slots[0], what: 'events', source: `${expected.length}`, target: `${copied.length}` }] : [];
    },
    async deleteTargetChunk(_group, cursor) {
      const some = [...target].slice(0, chunk);
      for (const p of some) target.delete(p);
      calls.push(`delete-after:${cursor ?? 'start'}`);
      return { done: target.size === 0, cursor: ((cursor as number | null) ?? 0) + some.length };
    },
    async revokeSource() {
      calls.push('revoke');
      owners.source = false;
    },
    async regrantSource() {
      calls.push('regrant');
      if (owners.target) throw new Error('two owners');
      owners.source = true;
    },
    async stagedRows() {
      return faults.staged > 0 ? faults.staged-- : 0;
    },
    async grantTarget() {
      if (faults.failGrant) throw new UnavailableError('EVENT_STORE.SHARD_UNAVAILABLE', 'target down');
      if (owners.source) throw new Error('two owners');
      owners.target = true;
      owners.hold = true;
    },
    async revokeTarget() {
      calls.push('revoke-target');
      owners.target = false;
    },
    async flip() {
      owners.map = 'target';
      owners.epoch = 2;
    },
    async flipped() {
      return owners.map === 'target';
    },
    async sourceOutboxRows() {
      return faults.outbox > 0 ? faults.outbox-- : 0;
    },
    async releasePublishHold() {
      owners.hold = false;
    },
  };
  const harness = sagaHarness([{ definition: slotMoveSaga, effects }]);
  const input = (group = 0) => ({ move_id: 'm1', group, slots: [17, 4113 % 4096], from_shard: 1, to_shard: 5, epochs: [1, 1] });
  const group = (): SlotMoveGroup => ({ moveId: 'm1', group: 0, slots: [17, 4113 % 4096], fromShard: 1, toShard: 5, epochs: [1, 1] });
  return { source, target, owners, stages, calls, faults, admitted, writeOnSource, input, effects, group, ...harness };
}

const sorted = (rows: Iterable<number>) => [...rows].sort((a, b) => a - b);

describe('slot-move saga (definition)', () => {
  const spec = sagaSpec(slotMoveSaga, { input: { move_id: 'm', group: 0, slots: [1], from_shard: 0, to_shard: 4, epochs: [1] } });
  const down = new UnavailableError('EVENT_STORE.SHARD_UNAVAILABLE', 'down');

  it('rolls back until the flip, goes forward after it', () => {
    spec.given('admit', 'copy', 'catch-up', 'verify').when(fails(down, { final: true })).thenCompensates('cutover');
    spec.given('admit', 'copy', 'catch-up', 'verify', 'cutover').when(fails(down, { final: true })).thenCompensates('cutover');
    spec.given('admit', 'copy', 'catch-up', 'verify', 'cutover', 'flip').when(fails(down, { final: true })).thenParks('EVENT_STORE.SHARD_UNAVAILABLE');
    spec.given('admit', 'copy').when(succeeds()).thenRuns('verify');
  });

  it('refuses an input whose epochs do not match its slots, or that moves a slot to where it is', async () => {
    const w = world();
    await expect(w.orchestrator.start(SLOT_MOVE, { ...w.input(), epochs: [1] })).rejects.toMatchObject({ kind: 'validation', details: [{ field: 'epochs' }] });
    await expect(w.orchestrator.start(SLOT_MOVE, { ...w.input(), to_shard: 1 })).rejects.toMatchObject({ kind: 'validation', details: [{ field: 'to_shard' }] });
    await expect(w.orchestrator.start(SLOT_MOVE, { ...w.input(), slots: [4096, 1] })).rejects.toMatchObject({ kind: 'validation' });
  });
});

describe('slot-move saga', () => {
  it('copies in chunks while writes go on, catches up, cuts over, flips, and hands the relay over once the source outbox is empty', async () => {
    const w = world();
    w.faults.outbox = 2;
    await w.orchestrator.start(SLOT_MOVE, w.input(), { id: 's1' });
    await w.drain();
    const state = await w.orchestrator.get('s1');
    expect(state.status).toBe('completed');
    expect(sorted(w.target)).toEqual(sorted(w.source));
    expect(w.owners).toMatchObject({ source: false, target: true, map: 'target', hold: false });
    expect(w.stages).toEqual(['copying', 'catching-up', 'verifying', 'cutover', 'handoff', 'done']);
    // The final catch-up runs after the revoke (nothing more can land on the source), then the exact verify.
    expect(w.calls.slice(w.calls.indexOf('revoke'))).toEqual(['revoke', 'final-catch-up', 'verify-exact']);
    expect(w.admitted.size).toBe(0);
    expect((await w.orchestrator.clientView('s1')).result).toMatchObject({ move_id: 'm1', to_shard: 5, rows_copied: w.source.length });
  });

  it('an abort that overtook a flip which committed goes forward to the hand-off instead of giving the slots back', async () => {
    const w = world();
    await w.orchestrator.start(SLOT_MOVE, w.input(), { id: 's7' });
    // Run until the flip is the next step.
    while ((await w.orchestrator.get('s7')).steps.every((s) => s.step !== 'cutover' || s.status !== 'succeeded')) await w.orchestrator.runJob(w.queue.next()!);
    // The flip's run commits the map change, but an operator's abort moved the saga before its save.
    await w.effects.flip(w.group());
    await w.orchestrator.abort('s7');
    await w.drain();
    const state = await w.orchestrator.get('s7');
    expect(state).toMatchObject({ status: 'completed', pivotPassed: true });
    expect(w.calls).not.toContain('revoke-target');
    expect(w.owners).toMatchObject({ source: false, target: true, map: 'target', hold: false });
  });

  it('a copy that differs from its source rolls back: the source keeps its slots, the target copy is deleted, the map is unchanged', async () => {
    const w = world();
    w.faults.tamper = true;
    await w.orchestrator.start(SLOT_MOVE, w.input(), { id: 's2' });
    await w.drain();
    const state = await w.orchestrator.get('s2');
    expect(state).toMatchObject({ status: 'compensated', reason: { step: 'verify', code: 'SLOT_MOVE.VERIFY_FAILED' } });
    expect(w.target.size).toBe(0);
    // Chunk after chunk, each run from where the last one stopped.
    const deletes = w.calls.filter((c) => c.startsWith('delete-after:'));
    expect(deletes.length).toBeGreaterThan(2);
    expect(deletes).toEqual(deletes.map((_, i) => `delete-after:${i === 0 ? 'start' : i * 3}`));
    expect(w.owners).toMatchObject({ source: true, target: false, map: 'source' });
    expect(w.stages.at(-1)).toBe('rolled-back');
    expect(w.admitted.size).toBe(0);
  });

  it('meets an atomic batch’s staged rows at the cutover: gives the slots back at once and tries again until they are released', async () => {
    const w = world();
    w.faults.staged = 2;
    await w.orchestrator.start(SLOT_MOVE, w.input(), { id: 's3' });
    await w.drain();
    const state = await w.orchestrator.get('s3');
    expect(state.status).toBe('completed');
    expect(w.calls.filter((c) => c === 'regrant')).toHaveLength(2);
    expect(state.failures.filter((f) => f.code === 'SLOT_MOVE.STAGED_ROWS')).toHaveLength(2);
    expect(sorted(w.target)).toEqual(sorted(w.source));
  });

  it('a target that cannot be granted rolls back R: the target lets go first, then the source writes again', async () => {
    const w = world();
    w.faults.failGrant = true;
    await w.orchestrator.start(SLOT_MOVE, w.input(), { id: 's4' });
    await w.drain(2_000);
    const state = await w.orchestrator.get('s4');
    expect(state).toMatchObject({ status: 'compensated', reason: { step: 'cutover', code: 'EVENT_STORE.SHARD_UNAVAILABLE' } });
    expect(w.owners).toMatchObject({ source: true, target: false, map: 'source' });
    const rollback = w.calls.slice(w.calls.lastIndexOf('revoke-target'));
    expect(rollback.slice(0, 2)).toEqual(['revoke-target', 'regrant']);
    expect(w.target.size).toBe(0);
    w.writeOnSource();
  });

  it('runs no more than `parallel` groups at once: a second group waits for the first to finish', async () => {
    const w = world({ parallel: 1 });
    await w.orchestrator.start(SLOT_MOVE, w.input(0), { id: 'g0' });
    await w.orchestrator.start(SLOT_MOVE, w.input(1), { id: 'g1' });
    const first = await w.orchestrator.get('g0');
    await w.orchestrator.runJob({ sagaId: 'g0', version: first.version });
    const second = await w.orchestrator.get('g1');
    await w.orchestrator.runJob({ sagaId: 'g1', version: second.version });
    // Not admitted: still at its first step, with nothing counted as an attempt.
    expect(await w.orchestrator.get('g1')).toMatchObject({ cursor: 0, attempts: 0, status: 'running' });
    expect([...w.admitted]).toEqual([0]);
  });

  it('a waiting group polls at the base interval when next in line, twice as rarely per round of groups before it, at most every 30 s', () => {
    expect([0, 1, 2, 3].map((rounds) => admitPollDelay(500, rounds))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(admitPollDelay(500, 6)).toBe(MAX_ADMIT_POLL_MS);
    expect(admitPollDelay(500, 1_000)).toBe(MAX_ADMIT_POLL_MS);
    // A base above the cap is the operator's choice: kept.
    expect(admitPollDelay(60_000, 3)).toBe(60_000);
  });
});
