import { Counter, Histogram, type Registry } from 'prom-client';
import type { SagaStatus, StepPhase } from '../state/saga.state';

/** Saga metrics on the process registry it is given: lifecycle counts by type, step latency. */
export class SagaMetrics {
  readonly started: Counter<'type'>;
  readonly finished: Counter<'type' | 'status'>;
  readonly parked: Counter<'type'>;
  readonly stepSeconds: Histogram<'type' | 'step' | 'phase' | 'outcome'>;
  readonly continuations: Counter<'type' | 'step' | 'phase'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.started = new Counter({ name: 'shardline_sagas_started_total', help: 'Sagas whose first step began running, by type', labelNames: ['type'], registers });
    this.finished = new Counter({
      name: 'shardline_sagas_finished_total',
      help: 'Sagas that reached completed, compensated or aborted, by type and status',
      labelNames: ['type', 'status'],
      registers,
    });
    this.parked = new Counter({ name: 'shardline_sagas_parked_total', help: 'Sagas parked for an operator, by type', labelNames: ['type'], registers });
    this.stepSeconds = new Histogram({
      name: 'shardline_saga_step_seconds',
      help: 'Duration of one run of a saga step (outcome: ok | retry | failed | continue)',
      labelNames: ['type', 'step', 'phase', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.continuations = new Counter({
      name: 'shardline_saga_step_continuations_total',
      help: 'Runs of a saga step that ended in continueLater (a chunk done, the step goes on in a later job), by type, step and phase',
      labelNames: ['type', 'step', 'phase'],
      registers,
    });
  }

  recordMove(type: string, status: SagaStatus): void {
    if (status === 'completed' || status === 'compensated' || status === 'aborted') this.finished.inc({ type, status });
    if (status === 'parked') this.parked.inc({ type });
  }

  recordStep(type: string, step: string, phase: StepPhase, outcome: 'ok' | 'retry' | 'failed' | 'continue', seconds: number): void {
    this.stepSeconds.observe({ type, step, phase, outcome }, seconds);
    if (outcome === 'continue') this.continuations.inc({ type, step, phase });
  }
}
