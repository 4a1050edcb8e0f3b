import { Registry } from 'prom-client';
import { UnavailableError, ValidationError } from '@shardline/errors';
import { sagaHarness } from '@shardline/testing';
import { continueLater } from '../definition/continue-later';
import { defineSaga, type SagaStep } from '../definition/saga.definition';
import { SagaMetrics } from './saga.metrics';

/**
 * A saga whose `copy` step does one chunk per run (continueLater) until `chunks` are done; effects
 * log every run with the progress it read, and fail or block where a spec says so.
 */
class Effects {
  readonly log: string[] = [];
  /** What the next copy runs do, in order: fail, or go on normally (undefined). */
  readonly failures: Array<'transient' | 'permanent' | undefined> = [];
  chunks = 3;
  /** Set by a spec: the next copy run waits here (to act while a run is under way). */
  gate: { entered: () => void; release: Promise<void> } | null = null;
  undoChunks = 0;
}

type Progress = { done: number };
const plain = (name: string, extra: Partial<SagaStep<{ n: number }, Effects>> = {}): SagaStep<{ n: number }, Effects> => ({
  name,
  timeoutMs: 1000,
  attempts: 3,
  action: async (c) => void c.effects.log.push(name),
  compensation: async (c) => void c.effects.log.push(`undo-${name}`),
  ...extra,
});
const copy = plain('copy', {
  async action(c) {
    const done = c.progress<Progress>()?.done;
    c.effects.log.push(`copy@${done ?? 'none'}`);
    if (c.effects.gate) {
      const gate = c.effects.gate;
      c.effects.gate = null;
      gate.entered();
      await gate.release;
    }
    const failure = c.effects.failures.shift();
    if (failure === 'transient') throw new UnavailableError('TEST.DOWN', 'target down');
    if (failure === 'permanent') throw new ValidationError([{ field: 'copy', message: 'refused' }]);
    const next = (done ?? 0) + 1;
    return next < c.effects.chunks ? continueLater<Progress>({ done: next }, 1000) : { copied: next };
  },
  async compensation(c) {
    const undone = c.progress<number>() ?? 0;
    c.effects.log.push(`undo-copy after ${JSON.stringify(c.actionProgress<Progress>() ?? null)} at ${undone}`);
    return undone + 1 < c.effects.undoChunks ? continueLater(undone + 1, 500) : undefined;
  },
});
const saga = defineSaga<{ n: number }, Effects>({
  type: 'chunked',
  deadlineMs: 60_000,
  parseInput: (raw) => raw as { n: number },
  steps: [plain('prepare'), copy, plain('commit', { pivot: true }), plain('publish')],
});

const T0 = Date.parse('2026-12-01T00:00:00Z');
function setup() {
  const clock = { now: new Date(T0) };
  const effects = new Effects();
  const registry = new Registry();
  const h = sagaHarness([{ definition: saga, effects }], { now: () => clock.now, metrics: new SagaMetrics(registry) });
  /** Delivers the next waiting job and answers what it did. */
  const deliverNext = async () => h.orchestrator.runJob(h.queue.next()!);
  return { ...h, effects, clock, registry, deliverNext };
}

describe('SagaOrchestrator: continueLater', () => {
  it('saves the progress, runs the same step again after its delay without counting an attempt, and clears the progress when the step finishes', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'c1' });
    await h.deliverNext(); // prepare
    expect(await h.deliverNext()).toBe('moved');
    const continued = await h.orchestrator.get('c1');
    expect(continued).toMatchObject({ status: 'running', cursor: 1, version: 3, attempts: 0, progress: { step: 'copy', action: { done: 1 } }, continueAt: '2026-12-01T00:00:01.000Z' });
    expect(continued.steps[1]).toMatchObject({ step: 'copy', status: 'running', attempts: 0, continuations: 1 });
    expect(h.queue.waiting).toMatchObject([{ sagaId: 'c1', version: 3, options: { delayMs: 1000 } }]);

    await h.drain();
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'copy@1', 'copy@2', 'commit', 'publish']);
    const done = await h.orchestrator.get('c1');
    expect(done).toMatchObject({ status: 'completed', progress: null, continueAt: null, results: { copy: { copied: 3 } } });
    expect(done.steps[1]).toMatchObject({ step: 'copy', status: 'succeeded', attempts: 1, continuations: 2 });
    const metrics = await h.registry.metrics();
    expect(metrics).toContain('shardline_saga_step_continuations_total{type="chunked",step="copy",phase="action"} 2');
    expect(metrics).toMatch(/shardline_saga_step_seconds_count\{type="chunked",step="copy",phase="action",outcome="continue"\} 2/);
  });

  it('counts the failures since the last progress: a failure, a chunk, a failure... never fails the step for good', async () => {
    const h = setup();
    h.effects.chunks = 4;
    // 3 attempts allowed; 2 transient failures before each chunk would exhaust them without the reset.
    h.effects.failures.push('transient', 'transient', undefined, 'transient', 'transient');
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'c2' });
    await h.drain();
    const done = await h.orchestrator.get('c2');
    expect(done.status).toBe('completed');
    expect(done.failures.map((f) => [f.step, f.attempt, f.final])).toEqual([
      ['copy', 1, false],
      ['copy', 2, false],
      ['copy', 1, false],
      ['copy', 2, false],
    ]);
    // 8 runs: 4 failed, 3 continued, 1 finished the step.
    expect(done.steps[1]).toMatchObject({ attempts: 5, continuations: 3 });
  });

  it('a duplicated job of a continued step is stale; two concurrent deliveries move the saga once', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'c3' });
    await h.deliverNext(); // prepare
    const first = h.queue.next()!;
    expect(await h.orchestrator.runJob(first)).toBe('moved');
    expect(await h.orchestrator.runJob(first)).toBe('stale');

    const second = h.queue.next()!;
    const outcomes = await Promise.allSettled([h.orchestrator.runJob(second), h.orchestrator.runJob(second)]);
    // One run at a time: the other delivery found the saga held (run lease) and went back to the
    // queue without running the step or moving the saga; its redelivery is stale.
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error & { cause: { code: string } }).cause.code)).sort()).toEqual(['SAGA.RUN_BUSY', 'moved']);
    expect(await h.orchestrator.runJob(second)).toBe('stale');
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'copy@1']);
    expect(await h.orchestrator.get('c3')).toMatchObject({ version: second.version + 1, progress: { action: { done: 2 } } });
    expect(h.queue.waiting).toHaveLength(1);
  });

  it('the compensation of a continued step sees how far its action got, and may continue itself', async () => {
    const h = setup();
    h.effects.chunks = 5;
    h.effects.undoChunks = 2;
    h.effects.failures.push(undefined, undefined, 'permanent');
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'c4' });
    await h.drain();
    expect(h.effects.log).toEqual([
      'prepare',
      'copy@none',
      'copy@1',
      'copy@2',
      'undo-copy after {"done":2} at 0',
      'undo-copy after {"done":2} at 1',
      'undo-prepare',
    ]);
    const state = await h.orchestrator.get('c4');
    expect(state).toMatchObject({ status: 'compensated', progress: null, reason: { step: 'copy', code: 'VALIDATION_FAILED' } });
    expect(state.steps.find((s) => s.step === 'copy' && s.phase === 'compensation')).toMatchObject({ status: 'succeeded', attempts: 1, continuations: 1 });
  });

  it('the deadline still applies between runs before the pivot; the compensation sees the progress', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'c5' });
    await h.deliverNext();
    await h.deliverNext();
    h.clock.now = new Date(T0 + 61_000);
    await h.drain();
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'undo-copy after {"done":1} at 0', 'undo-prepare']);
    expect(await h.orchestrator.get('c5')).toMatchObject({ status: 'compensated', reason: { code: 'SAGA.DEADLINE_PASSED' } });
  });

  it('a continued job lost with the queue comes back from the resumer with what is left of its delay', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'c6' });
    await h.deliverNext();
    await h.deliverNext();
    h.queue.clear();
    h.clock.now = new Date(T0 + 600);
    expect(await h.orchestrator.resumeIdle(500)).toBe(1);
    expect(h.queue.waiting).toMatchObject([{ sagaId: 'c6', version: 3, options: { delayMs: 400 } }]);
    h.clock.now = new Date(T0 + 5000);
    h.queue.clear();
    await h.orchestrator.resumeIdle(500);
    expect(h.queue.waiting).toMatchObject([{ sagaId: 'c6', version: 3, options: { delayMs: 0 } }]);
    await h.drain();
    expect(await h.orchestrator.get('c6')).toMatchObject({ status: 'completed' });
    expect(h.effects.log.filter((l) => l.startsWith('copy'))).toEqual(['copy@none', 'copy@1', 'copy@2']);
  });

  it('continueLater refuses an undefined progress and a delay out of range', () => {
    expect(() => continueLater(undefined, 10)).toThrow(/needs a progress/);
    expect(() => continueLater({}, -1)).toThrow(/delayMs/);
    expect(() => continueLater({}, 1.5)).toThrow(/delayMs/);
    expect(continueLater(null)).toMatchObject({ progress: null, delayMs: 0 });
  });
});

describe('SagaOrchestrator: pause and resume', () => {
  it('a paused saga runs no step: its waiting job is stale; resume enqueues the step again and the saga finishes', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'p1' });
    await h.deliverNext();
    const paused = await h.orchestrator.pause('p1');
    expect(paused).toMatchObject({ status: 'paused', pausedFrom: 'running', pausedAt: '2026-12-01T00:00:00.000Z', cursor: 1, version: 3 });
    expect(await h.deliverNext()).toBe('stale');
    expect(h.effects.log).toEqual(['prepare']);
    expect(await h.store.findIdle(new Date(T0 + 3_600_000), 10)).toEqual([]);

    const resumed = await h.orchestrator.resume('p1');
    expect(resumed).toMatchObject({ status: 'running', pausedFrom: null, pausedAt: null, version: 4 });
    expect(h.queue.waiting).toMatchObject([{ sagaId: 'p1', version: 4 }]);
    await h.drain();
    expect(await h.orchestrator.get('p1')).toMatchObject({ status: 'completed' });
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'copy@1', 'copy@2', 'commit', 'publish']);
  });

  it('a pause longer than the deadline does not make the saga compensate: the pause extends the deadline', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'p2' });
    await h.deliverNext();
    h.clock.now = new Date(T0 + 30_000);
    await h.orchestrator.pause('p2');
    h.clock.now = new Date(T0 + 2 * 3_600_000 + 30_000);
    const resumed = await h.orchestrator.resume('p2');
    expect(resumed.deadline).toBe(new Date(T0 + 60_000 + 2 * 3_600_000).toISOString());
    await h.drain();
    expect(await h.orchestrator.get('p2')).toMatchObject({ status: 'completed' });
  });

  it('a run under way when the saga is paused cannot save: after the resume the step runs again from the last saved progress', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'p3' });
    await h.deliverNext(); // prepare
    await h.deliverNext(); // copy, chunk 1
    let release!: () => void;
    const entered = new Promise<void>((resolve) => (h.effects.gate = { entered: resolve, release: new Promise<void>((r) => (release = r)) }));
    const running = h.deliverNext();
    await entered;
    await h.orchestrator.pause('p3');
    release();
    expect(await running).toBe('stale');
    expect(await h.orchestrator.get('p3')).toMatchObject({ status: 'paused', progress: { action: { done: 1 } } });
    await h.orchestrator.resume('p3');
    await h.drain();
    expect(h.effects.log.filter((l) => l.startsWith('copy'))).toEqual(['copy@none', 'copy@1', 'copy@1', 'copy@2']);
    expect(await h.orchestrator.get('p3')).toMatchObject({ status: 'completed' });
  });

  it('a compensating saga pauses and resumes compensating', async () => {
    const h = setup();
    h.effects.failures.push('permanent');
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'p4' });
    await h.deliverNext();
    await h.deliverNext();
    expect(await h.orchestrator.pause('p4')).toMatchObject({ status: 'paused', pausedFrom: 'compensating' });
    expect(await h.deliverNext()).toBe('stale');
    await expect(h.orchestrator.abort('p4')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringMatching(/paused while compensating/) });
    await h.orchestrator.resume('p4');
    await h.drain();
    expect(await h.orchestrator.get('p4')).toMatchObject({ status: 'compensated' });
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'undo-copy after null at 0', 'undo-prepare']);
  });

  it('aborting a paused saga follows the abort rules: before the pivot it compensates at once, after it is refused', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'p5' });
    await h.deliverNext();
    await h.deliverNext();
    await h.orchestrator.pause('p5');
    expect(await h.orchestrator.abort('p5')).toMatchObject({ status: 'compensating', pausedFrom: null, reason: { code: 'SAGA.ABORTED' } });
    await h.drain();
    expect(await h.orchestrator.get('p5')).toMatchObject({ status: 'compensated' });
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'undo-copy after {"done":1} at 0', 'undo-prepare']);

    const g = setup();
    await g.orchestrator.start('chunked', { n: 1 }, { id: 'p6' });
    for (let i = 0; i < 4; i++) await g.deliverNext(); // prepare, copy ×3 (two continue)
    await g.deliverNext(); // commit, the pivot
    expect(await g.orchestrator.get('p6')).toMatchObject({ status: 'running', pivotPassed: true });
    await g.orchestrator.pause('p6');
    await expect(g.orchestrator.abort('p6')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringMatching(/passed its pivot/) });
    expect(await g.orchestrator.get('p6')).toMatchObject({ status: 'paused' });
  });

  it('pause and resume are refused where they do not apply, naming the state', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'p7' });
    await expect(h.orchestrator.resume('p7')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringMatching(/only a paused saga can be resumed \(it is running\)/) });
    await h.orchestrator.pause('p7');
    await expect(h.orchestrator.pause('p7')).rejects.toMatchObject({ message: expect.stringMatching(/\(it is paused\)/) });
    await expect(h.orchestrator.retry('p7')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE' });
    await h.orchestrator.resume('p7');
    await h.drain();
    for (const action of ['pause', 'resume'] as const) {
      await expect(h.orchestrator[action]('p7')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringMatching(/\(it is completed\)/) });
    }

    const g = setup();
    g.effects.failures.push('permanent');
    await g.orchestrator.start('chunked', { n: 1 }, { id: 'p8' });
    await g.drain();
    await expect(g.orchestrator.pause('p8')).rejects.toMatchObject({ message: expect.stringMatching(/\(it is compensated\)/) });
  });
});

describe('SagaOrchestrator: one run of a saga at a time (run lease)', () => {
  /** Starts the saga, runs prepare and one copy chunk, then a copy run that waits at the gate. */
  async function runUnderWay(id: string) {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id });
    await h.deliverNext(); // prepare
    await h.deliverNext(); // copy, chunk 1
    let release!: () => void;
    const entered = new Promise<void>((resolve) => (h.effects.gate = { entered: resolve, release: new Promise<void>((r) => (release = r)) }));
    const running = h.deliverNext();
    await entered;
    return { h, running, release };
  }

  it('an abort while a run is under way: the compensation waits until that run has finished, then undoes what it did', async () => {
    const { h, running, release } = await runUnderWay('l1');
    await h.orchestrator.abort('l1');
    // The compensation's job: the copy run still executes, so it runs nothing and comes back later.
    expect(await h.deliverNext()).toBe('moved');
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'copy@1']);
    const waiting = h.queue.waiting[0];
    expect(waiting.options.delayMs).toBeGreaterThan(0);
    expect(await h.orchestrator.get('l1')).toMatchObject({ status: 'compensating', attempts: 0 });
    release();
    expect(await running).toBe('stale'); // its saga moved on: its save is refused, and its lease ends
    await h.drain();
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'copy@1', 'undo-copy after {"done":1} at 0', 'undo-prepare']);
    expect(await h.orchestrator.get('l1')).toMatchObject({ status: 'compensated' });
  });

  it('a resume while the paused run is still under way: the step runs again only after it finished', async () => {
    const { h, running, release } = await runUnderWay('l2');
    await h.orchestrator.pause('l2');
    await h.orchestrator.resume('l2');
    expect(await h.deliverNext()).toBe('moved'); // waits for the run under way
    expect(h.effects.log.filter((l) => l.startsWith('copy'))).toEqual(['copy@none', 'copy@1']);
    release();
    expect(await running).toBe('stale');
    await h.drain();
    expect(h.effects.log.filter((l) => l.startsWith('copy'))).toEqual(['copy@none', 'copy@1', 'copy@1', 'copy@2']);
    expect(await h.orchestrator.get('l2')).toMatchObject({ status: 'completed' });
  });

  it("a retry after a run's timeout waits for that run's abandoned work to settle", async () => {
    const h = setup();
    let release!: () => void;
    const slow = defineSaga<{ n: number }, Effects>({
      type: 'slow',
      deadlineMs: 60_000,
      parseInput: (raw) => raw as { n: number },
      steps: [
        plain('grant', {
          timeoutMs: 20,
          action: async (c) => {
            c.effects.log.push('grant-start');
            if (c.effects.log.filter((l) => l === 'grant-start').length === 1) await new Promise<void>((r) => (release = r));
            c.effects.log.push('grant-end');
          },
        }),
      ],
    });
    const g = sagaHarness([{ definition: slow, effects: h.effects }], { now: () => h.clock.now });
    await g.orchestrator.start('slow', { n: 1 }, { id: 'l3' });
    const job = g.queue.next()!;
    await expect(g.orchestrator.runJob(job)).rejects.toThrow(/did not finish within 20 ms/);
    // The queue's redelivery while the abandoned run still executes: nothing runs, nothing counted.
    await expect(g.orchestrator.runJob(job)).rejects.toMatchObject({ cause: { code: 'SAGA.RUN_BUSY' } });
    expect(h.effects.log).toEqual(['grant-start']);
    expect(await g.orchestrator.get('l3')).toMatchObject({ attempts: 1 });
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await g.orchestrator.runJob(job)).toBe('moved');
    expect(h.effects.log).toEqual(['grant-start', 'grant-end', 'grant-start', 'grant-end']);
    expect(await g.orchestrator.get('l3')).toMatchObject({ status: 'completed' });
  });
});

describe('SagaOrchestrator: an operator acting while steps save', () => {
  it('a continuation saving between the operator reading the saga and saving its move: the move is worked out again from the new state', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'o1' });
    await h.deliverNext(); // prepare
    await h.deliverNext(); // copy, chunk 1: a continuation waits
    const load = h.store.load.bind(h.store);
    let raced = false;
    jest.spyOn(h.store, 'load').mockImplementation(async (id) => {
      const state = await load(id);
      if (!raced) {
        raced = true;
        expect(await h.deliverNext()).toBe('moved'); // copy, chunk 2, saved after the operator read the saga
      }
      return state;
    });
    expect(await h.orchestrator.abort('o1')).toMatchObject({ status: 'compensating', reason: { code: 'SAGA.ABORTED' } });
    await h.drain();
    expect(h.effects.log).toEqual(['prepare', 'copy@none', 'copy@1', 'undo-copy after {"done":2} at 0', 'undo-prepare']);
  });

  it('a saga that keeps changing: the operator is told to look again after a few tries, and nothing moved', async () => {
    const h = setup();
    await h.orchestrator.start('chunked', { n: 1 }, { id: 'o2' });
    const save = jest.spyOn(h.store, 'save').mockResolvedValue(false);
    await expect(h.orchestrator.pause('o2')).rejects.toMatchObject({ code: 'SAGA.ILLEGAL_STATE', message: expect.stringMatching(/look again/) });
    expect(save).toHaveBeenCalledTimes(5);
    save.mockRestore();
    expect(await h.orchestrator.get('o2')).toMatchObject({ status: 'running' });
  });
});
