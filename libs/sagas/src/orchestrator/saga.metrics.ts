import { Counter, Histogram, type Registry } from 'prom-client';
import type { SagaStatus, StepPhase } from '../state/saga.state';

/** Saga metrics on the process registry it is given: lifecycle counts by type, step latency. */
export class SagaMetrics {
  readonly started: Counter<'type'>;
  readonly finished: Counter<'type' | 'status'>;
  readonly parked: Counter<'type'>;
  readonly stepSeconds: Histogram<'type' | 'step' | 'phase' | 'outcome'>;

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
      help: 'Duration of one attempt of a saga step (outcome: ok | retry | failed)',
      labelNames: ['type', 'step', 'phase', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  recordMove(type: string, status: SagaStatus): void {
    if (status === 'completed' || status === 'compensated' || status === 'aborted') this.finished.inc({ type, status });
    if (status === 'parked') this.parked.inc({ type });
  }

  recordStep(type: string, step: string, phase: StepPhase, outcome: 'ok' | 'retry' | 'failed', seconds: number): void {
    this.stepSeconds.observe({ type, step, phase, outcome }, seconds);
  }
}
