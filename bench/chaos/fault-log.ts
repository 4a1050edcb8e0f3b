import type { FaultKind } from './fault-schedule';

/** What a fault actually did, with its real times: the windows the auditor excuses 5xx answers in. */
export interface FaultWindow {
  n: number;
  label: string;
  kind: FaultKind;
  target: string;
  mode: string;
  /** Epoch ms: when the fault action started, and when the target was back (app live / engine script ready). */
  downAt: number;
  upAt?: number;
  detail: string[];
  error?: string;
  /** An app exit the soak did not cause (a crash): not excused, reported. */
  unplanned?: boolean;
}
