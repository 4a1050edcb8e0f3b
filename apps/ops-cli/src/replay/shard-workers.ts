import { Worker } from 'node:worker_threads';
import type { EventSelection } from '@shardline/event-export';
import type { ProjectionName } from '../../../projector/src/config';

/** A selection as it crosses to a worker (dates as ISO text). */
export interface JobSelection {
  businessId?: string;
  userId?: string;
  since?: string;
  until?: string;
}

export type ShardJob =
  | { kind: 'export'; env: Record<string, string | undefined>; shards: number[]; selection: JobSelection; batchSize: number; partOf: Record<number, string> }
  | { kind: 'replay'; env: Record<string, string | undefined>; to: ProjectionName; shards: number[]; selection: JobSelection; batchSize: number; concurrency: number; after: Array<[number, string]> };

export type WorkerReport =
  | { type: 'progress'; shard: number; position: string; events: number }
  | { type: 'done'; scanned: number; exported: number; rejected: number; letters: Array<{ where: string; reason: string }> }
  | { type: 'failed'; message: string };

export function jobSelectionOf(selection: EventSelection): JobSelection {
  return { businessId: selection.businessId, userId: selection.userId, since: selection.since?.toISOString(), until: selection.until?.toISOString() };
}

export function selectionOfJob(selection: JobSelection): EventSelection {
  return { businessId: selection.businessId, userId: selection.userId, since: selection.since ? new Date(selection.since) : undefined, until: selection.until ? new Date(selection.until) : undefined };
}

/** Shards dealt to `workers` workers round-robin (each gets every workers-th shard). */
export function dealShards(shards: readonly number[], workers: number): number[][] {
  const hands = Array.from({ length: Math.min(workers, shards.length) }, (): number[] => []);
  shards.forEach((shard, i) => hands[i % hands.length].push(shard));
  return hands;
}

/**
 * Runs one job per worker thread (the shards of a replay or an export are independent, so each
 * thread takes its own and node's work spreads over the cores), forwarding their progress; resolves
 * with the summed totals once every worker is done, rejects on the first failure (the others are
 * stopped). Worker threads, not processes: one process to stop with Ctrl-C, its CPU counted as one.
 */
export async function runShardWorkers(jobs: ShardJob[], onProgress: (report: Extract<WorkerReport, { type: 'progress' }>) => void): Promise<{ scanned: number; exported: number; rejected: number; letters: Array<{ where: string; reason: string }> }> {
  const totals = { scanned: 0, exported: 0, rejected: 0, letters: [] as Array<{ where: string; reason: string }> };
  const entry = __filename.replace(/shard-workers\.(ts|js)$/, 'shard-worker.main.$1');
  // The CLI runs under tsx, whose loader the threads inherit; anything else (jest) running the .ts
  // sources gives the threads tsx's loader itself, which also resolves the @shardline/* paths.
  const execArgv = entry.endsWith('.ts') && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : undefined;
  const workers = jobs.map((job) => new Worker(entry, { workerData: job, execArgv }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (report: WorkerReport) => {
              if (report.type === 'progress') onProgress(report);
              else if (report.type === 'failed') reject(new Error(report.message));
              else {
                totals.scanned += report.scanned;
                totals.exported += report.exported;
                totals.rejected += report.rejected;
                totals.letters.push(...report.letters);
              }
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a shard worker exited with code ${code}`))));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return totals;
}
