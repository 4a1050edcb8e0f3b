import { SLOT_COUNT, slotOf } from '@shardline/sharding';
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
  /** The longest write stall of one slot in the window, which slot, and when it ended. */
  longestMs: number;
  slot: number;
  atMs: number;
  /** Slots with at least `minWrites` acknowledged writes in the window (the ones the figure covers). */
  slots: number;
}

/**
 * The write pause a client of one slot sees: the longest time during which the slot had a write
 * outstanding and none of its writes was acknowledged. For each acknowledgement at t, the stall that
 * it ends began at the later of the previous acknowledgement and the earliest start of a request to
 * the slot still unanswered at t; idle time (nothing sent) is not a pause. Over the given slots with
 * at least `minWrites` acknowledged writes whose answers fall in the window; a stall is counted from
 * the window's start at the earliest (the warm-up's first answers are not the baseline's).
 */
export function longestGap(ops: WriteOp[], slots: Set<number>, w: Window, minWrites: number): GapFigure {
  const bySlot = new Map<number, WriteOp[]>();
  for (const o of ops) {
    const slot = slotOf(o.businessId);
    if (!slots.has(slot)) continue;
    let list = bySlot.get(slot);
    if (!list) bySlot.set(slot, (list = []));
    list.push(o);
  }
  const figure: GapFigure = { longestMs: 0, slot: -1, atMs: 0, slots: 0 };
  const endOf = (o: WriteOp) => o.startMs + o.latencyMs;
  for (const [slot, list] of bySlot) {
    const acks = list.filter((o) => o.status >= 200 && o.status < 300 && endOf(o) >= w.fromMs && endOf(o) < w.toMs).sort((a, b) => endOf(a) - endOf(b));
    if (acks.length < minWrites) continue;
    figure.slots++;
    // Every request (acknowledged or not) by answer time, and the earliest start among those answered at or after each.
    const byEnd = [...list].sort((a, b) => endOf(a) - endOf(b));
    const minStartFrom = new Array<number>(byEnd.length + 1).fill(Infinity);
    for (let i = byEnd.length - 1; i >= 0; i--) minStartFrom[i] = Math.min(minStartFrom[i + 1], byEnd[i].startMs);
    let previousAck = -Infinity;
    const before = list.filter((o) => o.status >= 200 && o.status < 300 && endOf(o) < w.fromMs).map(endOf);
    if (before.length > 0) previousAck = Math.max(...before);
    let j = 0;
    for (const ack of acks) {
      const t = endOf(ack);
      while (j < byEnd.length && endOf(byEnd[j]) < t) j++;
      const stall = t - Math.max(previousAck, minStartFrom[j], w.fromMs);
      if (stall > figure.longestMs) Object.assign(figure, { longestMs: stall, slot, atMs: t });
      previousAck = t;
    }
  }
  return figure;
}

/** The pause lines of the report: moving slots during the move, the same slots before it, the slots that stay during it. */
export function pauseLines(ops: WriteOp[], moved: Set<number>, windows: Window[], minWrites: number): string[] {
  const [before, during] = windows;
  const stayed = new Set(Array.from({ length: SLOT_COUNT }, (_, s) => s).filter((s) => !moved.has(s)));
  const d = longestGap(ops, moved, during, minWrites);
  const b = longestGap(ops, moved, before, minWrites);
  const st = longestGap(ops, stayed, during, minWrites);
  return [
    `  longest write stall of one slot (a write outstanding, none acknowledged; slots with ≥ ${minWrites} acknowledged write(s) in the window):`,
    `    moving slots during the move ${ms(d.longestMs)} ms (slot ${d.slot}, ended at ${(d.atMs / 1000).toFixed(1)} s; ${d.slots} slots); the same slots before it ${ms(b.longestMs)} ms (${b.slots} slots); slots that stay, during it ${ms(st.longestMs)} ms (${st.slots} slots)`,
  ];
}

export const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)}` : '—');
