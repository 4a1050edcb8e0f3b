import type { StageRatio } from './cost-report';

/** The line a bench:pipeline run with cost and raw phases ends its stage/raw section with: this prefix, then a RunSummary as JSON. */
export const SUMMARY_PREFIX = '# run summary ';

/** What rounds.ts gathers of each run: the stage/raw ratios and the cost phase's CPU µs per event. */
export interface RunSummary {
  ratios: StageRatio[];
  /** Every process of the pipeline together, and the whole machine (/proc/stat). */
  pipeline: number;
  whole: number;
}

/** The summary a run printed, or null (a run without the cost and raw phases prints none). */
export function summaryOf(output: string): RunSummary | null {
  const line = output.split('\n').find((l) => l.startsWith(SUMMARY_PREFIX));
  return line ? (JSON.parse(line.slice(SUMMARY_PREFIX.length)) as RunSummary) : null;
}
