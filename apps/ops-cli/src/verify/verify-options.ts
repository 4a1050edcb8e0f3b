import { parseArgs } from 'node:util';
import type { ReadModelName } from '@shardline/reconciliation';

/** Read models by the names the operator types: `clickhouse` is both of its tables. */
const MODEL_NAMES: Record<string, ReadModelName[]> = {
  records: ['records'],
  elasticsearch: ['elasticsearch'],
  clickhouse: ['clickhouse-latest', 'clickhouse-events'],
  'clickhouse-latest': ['clickhouse-latest'],
  'clickhouse-events': ['clickhouse-events'],
};

export class UsageError extends Error {}

export interface VerifyCommandOptions {
  models: ReadModelName[];
  shards?: number[];
  months?: number[];
  json: boolean;
  repair: boolean;
  settleMs: number;
  fanout: number;
  leafMax: number;
}

export const VERIFY_USAGE = `usage: ops-cli verify [--models records,elasticsearch,clickhouse] [--shard N[,N]] [--month YYYYMM[,YYYYMM]]
                      [--repair] [--json] [--settle-ms 30000] [--fanout 64] [--leaf 2000]
       ops-cli records:rebuild [--shard N[,N]] [--batch 5000] [--json]`;

export function parseVerifyArgs(argv: string[]): VerifyCommandOptions {
  const { values } = parse(argv, {
    models: { type: 'string' },
    shard: { type: 'string' },
    month: { type: 'string' },
    json: { type: 'boolean' },
    repair: { type: 'boolean' },
    'settle-ms': { type: 'string' },
    fanout: { type: 'string' },
    leaf: { type: 'string' },
  });
  const models = [...new Set(list(values.models as string | undefined, 'models', (m) => MODEL_NAMES[m] !== undefined, 'records,elasticsearch,clickhouse').flatMap((m) => MODEL_NAMES[m]))];
  return {
    models,
    shards: numbers(values.shard as string | undefined, 'shard', 0, 1023),
    months: numbers(values.month as string | undefined, 'month', 197001, 299912)?.map((m) => (m % 100 >= 1 && m % 100 <= 12 ? m : bad('month', String(m)))),
    json: values.json === true,
    repair: values.repair === true,
    settleMs: integer(values['settle-ms'] as string | undefined, 'settle-ms', 30_000, 0, 3_600_000),
    fanout: integer(values.fanout as string | undefined, 'fanout', 64, 2, 4096),
    leafMax: integer(values.leaf as string | undefined, 'leaf', 2000, 1, 100_000),
  };
}

export interface RebuildCommandOptions {
  shards?: number[];
  batchMax: number;
  json: boolean;
}

export function parseRebuildArgs(argv: string[]): RebuildCommandOptions {
  const { values } = parse(argv, { shard: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } });
  return { shards: numbers(values.shard as string | undefined, 'shard', 0, 1023), batchMax: integer(values.batch as string | undefined, 'batch', 5000, 1, 1_000_000), json: values.json === true };
}

function parse(argv: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { values: Record<string, string | boolean | undefined> } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function list(value: string | undefined, name: string, valid: (item: string) => boolean, fallback: string): string[] {
  const items = (value ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!valid(item)) bad(name, item);
  return items;
}

function numbers(value: string | undefined, name: string, min: number, max: number): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => integer(s.trim(), name, 0, min, max));
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) bad(name, value);
  return n;
}

function bad(name: string, value: string): never {
  throw new UsageError(`invalid --${name}: ${value}`);
}
