import { slotOf } from '@shardline/sharding';
import { percentile } from '../ingest/workload';
import type { WriteOp } from './write-load';

/** A window of the run, in ms since the load started. */
export interface Window {
  name: string;
  fromMs: number;
  toMs: number;
}

export interface LatencyFigure {
  window: string;
  requests: number;
  acknowledged: number;
  /** Non-2xx answers by code, and requests without an answer. */
  refused: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  ackPerSecond: number;
}

/** Latency of every request STARTED in the window (answered or not), and what was refused. */
export function latencyIn(ops: WriteOp[], w: Window): LatencyFigure {
  const inWindow = ops.filter((o) => o.startMs >= w.fromMs && o.startMs < w.toMs);
  const sorted = inWindow.map((o) => o.latencyMs).sort((a, b) => a - b);
  const refused: Record<string, number> = {};
  for (const o of inWindow) if (o.status < 200 || o.status >= 300) refused[`${o.status} ${o.code ?? ''}`.trim()] = (refused[`${o.status} ${o.code ?? ''}`.trim()] ?? 0) + 1;
  const acknowledged = inWindow.filter((o) => o.status >= 200 && o.status < 300).length;
  return {
    window: w.name,
    requests: inWindow.length,
    acknowledged,
    refused,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    ackPerSecond: acknowledged / Math.max(0.001, (w.toMs - w.fromMs) / 1000),
  };
}

export interface GapFigure {
  /** The longest time between two successive acknowledgements of writes to one slot, and where. */
  longestMs: number;
  slot: number;
  atMs: number;
  /** Slots with at least `minWrites` acknowledged writes in the window (the ones a gap means something for). */
  slots: number;
  /** Their median mean interval between writes: a gap far above it is a pause, not chance. */
  medianIntervalMs: number;
}

/**
 * The write pause a client of one slot sees: the longest gap between successive acknowledgements
 * (answer times) of writes to the same slot within the window, over the given slots. Only slots
 * written often enough count (a slot written twice a minute has minute-long gaps by chance): those
 * with `minWrites` acknowledged writes in the window.
 */
export function longestGap(ops: WriteOp[], slots: Set<number>, w: Window, minWrites: number): GapFigure {
  const bySlot = new Map<number, number[]>();
  for (const o of ops) {
    if (o.status < 200 || o.status >= 300) continue;
    const done = o.startMs + o.latencyMs;
    if (done < w.fromMs || done >= w.toMs) continue;
    const slot = slotOf(o.businessId);
    if (!slots.has(slot)) continue;
    let list = bySlot.get(slot);
    if (!list) bySlot.set(slot, (list = []));
    list.push(done);
  }
  const figure: GapFigure = { longestMs: 0, slot: -1, atMs: 0, slots: 0, medianIntervalMs: NaN };
  const intervals: number[] = [];
  for (const [slot, times] of bySlot) {
    if (times.length < minWrites) continue;
    figure.slots++;
    times.sort((a, b) => a - b);
    intervals.push((w.toMs - w.fromMs) / times.length);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i] - times[i - 1];
      if (gap > figure.longestMs) Object.assign(figure, { longestMs: gap, slot, atMs: times[i - 1] });
    }
  }
  figure.medianIntervalMs = percentile(intervals.sort((a, b) => a - b), 50);
  return figure;
}

export const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)}` : '—');
