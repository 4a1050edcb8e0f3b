import { ValidationError } from '@shardline/errors';
import { RecordTooLargeError } from './record.errors';
import { RecordFields } from './record.fields';

/** Input limits, enforced at the edge and re-checked by the decisions. Documented in README "Limits". */
export const RecordLimits = {
  businessIdMaxLength: 64,
  dataContentMaxBytes: 64 * 1024,
  /**
   * Levels of objects and arrays in data_content, itself being level 1 ({"a":{"b":1}} is 2 deep).
   * MySQL/MariaDB refuse JSON deeper than 32 levels, and what we store wraps data_content in a few
   * more (event payload, stored idempotent answer); 20 leaves that headroom with one rule for REST,
   * Kafka, batches and the result of a merge patch.
   */
  dataContentMaxDepth: 20,
  batchMaxRecords: 10_000,
  /** Records one move (the move-records saga) takes from one business to another. */
  moveMaxRecords: 10_000,
  pageMaxSize: 100,
  /** page_num paging is allowed only while page_num * page_size stays this shallow. */
  pageNumMaxOffset: 1_000,
} as const;

/** Enforces the data_content size limit on its UTF-8 JSON encoding (what is stored). */
export function assertDataContentSize(dataContent: Record<string, unknown>): void {
  const bytes = Buffer.byteLength(JSON.stringify(dataContent), 'utf8');
  if (bytes > RecordLimits.dataContentMaxBytes) {
    throw new RecordTooLargeError([{ field: RecordFields.dataContent, message: `is ${bytes} bytes of JSON; the limit is ${RecordLimits.dataContentMaxBytes}` }]);
  }
}

/** Nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1), iteratively: a 64 KiB body can nest 30,000 levels. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > deepest) deepest = depth;
    for (const child of Array.isArray(node) ? node : Object.values(node)) if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return deepest;
}

/** The data_content depth rule's message when `value` breaks it, else undefined (shared by the schemas and the decisions). */
export function dataContentDepthIssue(value: unknown): string | undefined {
  const depth = jsonDepth(value);
  return depth > RecordLimits.dataContentMaxDepth ? `is nested ${depth} levels deep; the limit is ${RecordLimits.dataContentMaxDepth}` : undefined;
}

/** Enforces the depth limit on a whole data_content (a merge patch's result may be deeper than the patch). */
export function assertDataContentDepth(dataContent: Record<string, unknown>): void {
  const issue = dataContentDepthIssue(dataContent);
  if (issue) throw new ValidationError([{ field: RecordFields.dataContent, message: issue }]);
}

/**
 * The path of the first string (key or value) in a JSON value that holds an unpaired surrogate,
 * else undefined. JSON text can carry one (`"\udfff"`), but it has no UTF-8 encoding: MariaDB's
 * JSON_VALID refuses it, so the write failed at insert with a 500 (found by fuzzing).
 */
export function illFormedStringPath(value: unknown): string | undefined {
  // The path is built only for the string found: every create and update walks its whole document.
  const pending: Visit[] = [{ node: value }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const { node } = visit;
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return pathOf(visit);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) node.forEach((child, i) => pending.push({ node: child, parent: visit, step: i }));
    else
      for (const [key, child] of Object.entries(node)) {
        if (!key.isWellFormed()) return `${pathOf(visit)} (a key)`;
        pending.push({ node: child, parent: visit, step: key });
      }
  }
  return undefined;
}

interface Visit {
  node: unknown;
  parent?: Visit;
  /** Index or key under the parent. */
  step?: number | string;
}

function pathOf(visit: Visit): string {
  let path = '';
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) path = (typeof v.step === 'number' ? `[${v.step}]` : `.${v.step}`) + path;
  return path;
}

/** The well-formed-Unicode rule's message when `value` breaks it, else undefined (shared by the schemas and the decisions). */
export function dataContentUnicodeIssue(value: unknown): string | undefined {
  const path = illFormedStringPath(value);
  return path === undefined ? undefined : `must not contain an unpaired surrogate (not valid Unicode), found at data_content${path}`;
}

/** Enforces well-formed strings on a whole data_content, for every transport. */
export function assertDataContentWellFormed(dataContent: Record<string, unknown>): void {
  const issue = dataContentUnicodeIssue(dataContent);
  if (issue) throw new ValidationError([{ field: RecordFields.dataContent, message: issue }]);
}

