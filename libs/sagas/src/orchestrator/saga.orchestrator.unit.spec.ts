import { UnavailableError, ValidationError } from '@shardline/errors';
import { defineSaga, type SagaStep } from '../definition/saga.definition';
import { PivotReachedError } from '../state/saga.errors';
import { sagaHarness } from '@shardline/testing';
import { SagaOrchestrator } from './saga.orchestrator';

/** Effects that log what ran and fail where a spec says so. */
class Effects {
  readonly log: string[] = [];
  readonly failures = new Map<string, Array<'transient' | 'permanent' | 'hang'>>();

  async run(what: string, commandId: string, signal: AbortSignal): Promise<string> {
    const next = this.failures.get(what)?.shift();
    if (next === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    if (next === 'transient') throw new UnavailableError('TEST.DOWN', `${what} is down`);
    if (next === 'permanent') throw new ValidationError([{ field: what, message: 'refused' }]);
    this.log.push(`${what}@${commandId}`);
    return `${what}-done`;
  }
}

const step = (name: string, extra: Partial<SagaStep<{ n: number }, Effects>> = {}): SagaStep<{ n: number }, Effects> => ({
  name,
  timeoutMs: 200,
  attempts: 3,
  compensationAttempts: 2,
  action: (c) => c.effects.run(name, c.commandId(), c.signal),
  compensation: async (c) => void (await c.effects.run(`undo-${name}`, c.commandId('undo'), c.signal)),
  ...extra,
});

const saga = defineSaga<{ n: number }, Effects>({
  type: 'three-steps',
  deadlineMs: 60_000,
  parseInput: (raw) => raw as { n: number },
  steps: [step('reserve'), step('notify', { compensation: undefined }), step('commit', { pivot: true }), step('publish')],
});

function setup(now = () => new Date('2026-12-01T00:00:00Z')) {
  const effects = new Effects();
  return { effects, ...sagaHarness([{ definition: saga, effects }], { now }) };
}

describe('SagaOrchestrator', () => {
  it('runs the steps in order with attempt-independent command ids and completes', async () => {
    const h = setup();
    const { state } = await h.orchestrator.start('three-steps', { n: 1 }, { id: 's1' });
    await h.drain();
    expect(h.effects.log).toEqual(['reserve@saga:s1:reserve', 'notify@saga:s1:notify', 'commit@saga:s1:commit', 'publish@saga:s1:publish']);
    const done = await h.orchestrator.get(state.id);
    expect(done).toMatchObject({ status: 'completed', pivotPassed: true, results: { reserve: 'reserve-done', publish: 'publish-done' } });
    expect(done.steps.map((s) => [s.step, s.phase, s.status, s.attempts])).toEqual([
      ['reserve', 'action', 'succeeded', 1],
      ['notify', 'action', 'succeeded', 1],
      ['commit', 'action', 'succeeded', 1],
      ['publish', 'action', 'succeeded', 1],
    ]);
  });

  it('a permanent failure before the pivot compensates from the failed step down, skipping steps without compensation', async () => {
    const h = setup();
    h.effects.failures.set('commit', ['permanent']);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's2' });
    await h.drain();
    expect(h.effects.log).toEqual(['reserve@saga:s2:reserve', 'notify@saga:s2:notify', 'undo-commit@saga:s2:commit:undo', 'undo-reserve@saga:s2:reserve:undo']);
    expect(await h.orchestrator.get('s2')).toMatchObject({ status: 'compensated', reason: { step: 'commit', code: 'VALIDATION_FAILED' } });
  });

  it('retries transient failures with the same command id, then fails for good after the attempts allowed', async () => {
    const h = setup();
    h.effects.failures.set('reserve', ['transient', 'transient']);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's3' });
    await h.drain();
    expect((await h.orchestrator.get('s3')).steps[0]).toMatchObject({ step: 'reserve', attempts: 3, status: 'succeeded' });

    const g = setup();
    g.effects.failures.set('notify', ['transient', 'transient', 'transient']);
    await g.orchestrator.start('three-steps', { n: 1 }, { id: 's4' });
    await g.drain();
    const state = await g.orchestrator.get('s4');
    expect(state.status).toBe('compensated');
    expect(state.failures.map((f) => f.final)).toEqual([false, false, true]);
  });

  it('a step that outlives its timeout is abandoned and retried', async () => {
    const h = setup();
    h.effects.failures.set('reserve', ['hang']);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's5' });
    await h.drain();
    const state = await h.orchestrator.get('s5');
    expect(state.status).toBe('completed');
    expect(state.failures[0]).toMatchObject({ step: 'reserve', code: 'SAGA.STEP_TIMEOUT', final: false });
  });

  it('after the pivot a failing step parks the saga; an operator retry resumes it', async () => {
    const h = setup();
    h.effects.failures.set('publish', ['permanent']);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's6' });
    await h.drain();
    expect(await h.orchestrator.get('s6')).toMatchObject({ status: 'parked', parkedFrom: 'running', cursor: 3 });
    await expect(h.orchestrator.abort('s6')).resolves.toMatchObject({ status: 'aborted' });

    const g = setup();
    g.effects.failures.set('publish', ['permanent']);
    await g.orchestrator.start('three-steps', { n: 1 }, { id: 's7' });
    await g.drain();
    await g.orchestrator.retry('s7');
    await g.drain();
    expect(await g.orchestrator.get('s7')).toMatchObject({ status: 'completed' });
    expect(g.effects.log.filter((l) => l.startsWith('undo'))).toEqual([]);
  });

  it('a compensation that keeps failing parks the saga', async () => {
    const h = setup();
    h.effects.failures.set('notify', ['permanent']);
    h.effects.failures.set('undo-reserve', ['transient', 'transient']);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's8' });
    await h.drain();
    expect(await h.orchestrator.get('s8')).toMatchObject({ status: 'parked', parkedFrom: 'compensating', cursor: 0 });
    await h.orchestrator.retry('s8');
    await h.drain();
    expect(await h.orchestrator.get('s8')).toMatchObject({ status: 'compensated' });
  });

  it('a saga past its deadline before the pivot compensates instead of going on', async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const h = setup(() => now);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's9' });
    await h.orchestrator.runJob(h.queue.next()!);
    now = new Date(now.getTime() + 61_000);
    await h.drain();
    expect(h.effects.log).toEqual(['reserve@saga:s9:reserve', 'undo-reserve@saga:s9:reserve:undo']);
    expect(await h.orchestrator.get('s9')).toMatchObject({ status: 'compensated', reason: { code: 'SAGA.DEADLINE_PASSED' } });
  });

  it('duplicated and stale deliveries change nothing', async () => {
    const h = setup();
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's10' });
    const first = h.queue.next()!;
    expect(await h.orchestrator.runJob(first)).toBe('moved');
    expect(await h.orchestrator.runJob(first)).toBe('stale');
    expect(await h.orchestrator.runJob({ sagaId: 's10', version: 99 })).toBe('stale');
    expect(await h.orchestrator.runJob({ sagaId: 'nope', version: 1 })).toBe('stale');
    await h.drain();
    expect(h.effects.log.filter((l) => l.startsWith('reserve'))).toHaveLength(1);
  });

  it('jobs lost with the queue are re-enqueued from the durable state', async () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const h = setup(() => now);
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's11' });
    await h.orchestrator.runJob(h.queue.next()!);
    h.queue.clear();
    now = new Date(now.getTime() + 10_000);
    expect(await h.orchestrator.resumeIdle(5_000)).toBe(1);
    await h.drain();
    expect(await h.orchestrator.get('s11')).toMatchObject({ status: 'completed' });
  });

  it('starting the same id twice starts one saga; operator actions that do not apply are refused', async () => {
    const h = setup();
    expect((await h.orchestrator.start('three-steps', { n: 1 }, { id: 's12' })).created).toBe(true);
    expect((await h.orchestrator.start('three-steps', { n: 2 }, { id: 's12' })).created).toBe(false);
    expect(h.queue.enqueued).toBe(1);
    await expect(h.orchestrator.retry('s12')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE', kind: 'illegal-state' });
    await h.drain();
    await expect(h.orchestrator.abort('s12')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE' });
    await expect(h.orchestrator.get('nope')).rejects.toMatchObject({ code: 'SAGA.NOT_FOUND' });
    await expect(h.orchestrator.start('no-such-saga', {})).rejects.toMatchObject({ code: 'SAGA.UNKNOWN_TYPE' });
  });

  it('steps read the payload the saga was started with; it is kept until purged', async () => {
    const h = setup();
    const seen: unknown[] = [];
    const withPayload = defineSaga<{ n: number }, Effects>({ ...saga, type: 'with-payload', steps: [step('load', { action: async (c) => seen.push(await c.payload()) })] });
    const orchestrator = new SagaOrchestrator({ sagas: [{ definition: withPayload, effects: h.effects }], store: h.store, queue: h.queue });
    await orchestrator.start('with-payload', { n: 1 }, { id: 'p1', payload: { records: [1, 2, 3] } });
    await orchestrator.runJob(h.queue.next()!);
    expect(seen).toEqual([{ records: [1, 2, 3] }]);
    expect(await h.store.purgeFinishedPayloads(new Date(Date.now() + 1000), 10)).toBe(1);
    expect(await h.store.loadPayload('p1')).toBeNull();
  });

  it('a compensation that finds the pivot passed after all turns the saga forward again', async () => {
    const h = setup();
    const forward = defineSaga<{ n: number }, Effects>({
      ...saga,
      type: 'late-pivot',
      steps: [
        step('commit', { pivot: true, attempts: 1, action: async () => Promise.reject(new ValidationError([{ field: 'x', message: 'lost' }])), compensation: async () => Promise.reject(new PivotReachedError('committed by a late attempt')) }),
        step('publish'),
      ],
    });
    const orchestrator = new SagaOrchestrator({ sagas: [{ definition: forward, effects: h.effects }], store: h.store, queue: h.queue });
    await orchestrator.start('late-pivot', { n: 1 }, { id: 'lp' });
    for (let job = h.queue.next(); job; job = h.queue.next()) await orchestrator.runJob(job);
    expect(await orchestrator.get('lp')).toMatchObject({ status: 'completed', pivotPassed: true });
    expect(h.effects.log).toEqual(['publish@saga:lp:publish']);
  });

  it('an operator abort before the pivot compensates what ran', async () => {
    const h = setup();
    await h.orchestrator.start('three-steps', { n: 1 }, { id: 's13' });
    await h.orchestrator.runJob(h.queue.next()!);
    await h.orchestrator.abort('s13');
    await h.drain();
    expect(h.effects.log).toEqual(['reserve@saga:s13:reserve', 'undo-reserve@saga:s13:reserve:undo']);
    expect(await h.orchestrator.get('s13')).toMatchObject({ status: 'compensated', reason: { code: 'SAGA.ABORTED' } });
  });
});
