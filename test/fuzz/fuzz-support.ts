import { appendFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { RecordLimits } from '@shardline/records';
import { OpenApiConformance } from '../support/openapi-conformance';

/**
 * Property-based fuzzing of the HTTP apps (fast-check): requests sent byte-exactly (node:http, so
 * paths keep their `..`, `%2F` and broken escapes), answers checked against the rules every
 * endpoint keeps. Bounded: FUZZ_RUNS cases per endpoint (SHARDLINE_FUZZ_RUNS), a fixed seed
 * (SHARDLINE_FUZZ_SEED) printed with any counterexample, so a failure replays. SHARDLINE_FUZZ_LOG=<file>
 * appends every request and answer to that file.
 */
export const FUZZ_RUNS = Number(process.env.SHARDLINE_FUZZ_RUNS ?? 300);
export const FUZZ_SEED = Number(process.env.SHARDLINE_FUZZ_SEED ?? 20261202);

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface RawAnswer {
  status: number;
  text: string;
  json: any;
}

/** Sends exactly what it is given; undefined when Node itself refuses to send it (an illegal header or path character). */
export function send(baseUrl: string, req: RawRequest): Promise<RawAnswer | undefined> {
  const url = new URL(baseUrl.replace('[::1]', '127.0.0.1'));
  return new Promise((resolve, reject) => {
    // A declared length: Node sends a DELETE's body unframed otherwise, which the server reads as a broken next request.
    const headers = req.body === undefined ? (req.headers ?? {}) : { 'content-length': String(Buffer.byteLength(req.body)), ...req.headers };
    let r;
    try {
      r = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
        res.on('error', reject);
      });
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('ERR_')) return resolve(undefined);
      throw error;
    }
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** Counts per endpoint, printed at the end of a run. */
export class FuzzTotals {
  private readonly rows = new Map<string, { cases: number; sent: number; statuses: Map<number, number>; fivexx: number }>();

  record(endpoint: string, answer: RawAnswer | undefined): void {
    const row = this.rows.get(endpoint) ?? { cases: 0, sent: 0, statuses: new Map(), fivexx: 0 };
    row.cases++;
    if (answer) {
      row.sent++;
      row.statuses.set(answer.status, (row.statuses.get(answer.status) ?? 0) + 1);
      if (answer.status >= 500) row.fivexx++;
    }
    this.rows.set(endpoint, row);
  }

  report(title: string): string {
    const lines = [...this.rows].map(([endpoint, r]) => {
      const statuses = [...r.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
      return `  ${endpoint.padEnd(48)} cases ${String(r.cases).padStart(5)}  sent ${String(r.sent).padStart(5)}  5xx ${r.fivexx}  [${statuses}]`;
    });
    const cases = [...this.rows.values()].reduce((n, r) => n + r.cases, 0);
    const fivexx = [...this.rows.values()].reduce((n, r) => n + r.fivexx, 0);
    return [`fuzz ${title} (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per property):`, ...lines, `  total cases ${cases}, 5xx found ${fivexx}`].join('\n');
  }
}

/**
 * The rules every answer keeps: no 5xx; a refusal is the error envelope with a status the
 * operation documents (and the body its schema); a 400 or 413 names each bad field
 * (`(body)` when the body as a whole is bad).
 */
export function answerProblems(conformance: OpenApiConformance, req: RawRequest, documentedAs: string, answer: RawAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  if (answer.status === 404 && answer.json?.error?.code === 'ROUTE_NOT_FOUND') return problems; // a path no route serves: documented nowhere
  problems.push(...conformance.problems(req.method, documentedAs, answer.status, answer.json));
  if (answer.status >= 400 && !answer.json?.error?.code) problems.push('refusal without the error envelope');
  if (answer.status === 400 || answer.status === 413) {
    const details: Array<{ field?: unknown }> = answer.json?.error?.details ?? [];
    if (details.length === 0 || details.some((d) => typeof d.field !== 'string' || d.field.length === 0)) problems.push('400/413 without a named field');
  }
  return problems;
}

/** A failure message that replays: the request and the answer. */
export function describeFailure(req: RawRequest, answer: RawAnswer | undefined, problems: string[]): string {
  const body = req.body === undefined ? '' : ` body=${JSON.stringify(String(req.body).slice(0, 400))}`;
  return `${problems.join('; ')}\n  request: ${req.method} ${req.path} headers=${JSON.stringify(req.headers ?? {})}${body}\n  answer: ${answer?.status} ${answer?.text.slice(0, 500)}`;
}

// ---------------------------------------------------------------- arbitraries

/** Characters that have broken parsers, routers, databases and logs before. */
const NASTY_CHARS = ['\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u009f', '\ud800', '\udfff', '\ud83d', '\u2028', '\ufeff', '\uffff', '🙂', 'é', '"', "'", '\\', '/', '.', '%', '?', '#', '&', '=', ' ', '\n', '\r', '\t', '*', '$', '{', '}'];

/** Strings of anything: lone surrogates, control characters, emoji, quotes and separators. */
export const oddString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.array(fc.constantFrom(...NASTY_CHARS), { maxLength }).map((a) => a.join('')),
    fc.constantFrom('', ' ', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '__proto__', 'constructor', 'toString'),
  );

/** Numbers that are not what a field expects: huge, negative, fractional, beyond 2^53 and 2^64. */
export const oddNumber: fc.Arbitrary<number | string> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.constantFrom('9223372036854775807', '9223372036854775808', '18446744073709551616', '00001', '+1', '1.0', '1e3', '0x10', ' 7', '７'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Nested `levels` deep, data_content itself being level 1. */
export function nested(levels: number, leaf: unknown = 1): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf };
  for (let i = 1; i < levels; i++) value = i % 2 ? { a: value } : { a: [value] };
  return value;
}

/** Any JSON value, including deep nesting, huge numbers and odd strings as keys and values. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.dictionary(oddString(10), fc.oneof(oddString(), oddNumber, fc.boolean(), fc.constant(null)), { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 15, max: 45 }).map((d) => nested(d)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 1500 }).map((d) => nested(d)) },
  { weight: 1, arbitrary: oddNumber },
  { weight: 1, arbitrary: oddString() },
);

/** A business_id: valid ones, those at and past the limit, and odd ones. */
export const businessIdArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,20}$/) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(RecordLimits.businessIdMaxLength), 'a'.repeat(RecordLimits.businessIdMaxLength + 1), '🙂'.repeat(RecordLimits.businessIdMaxLength), '🙂'.repeat(RecordLimits.businessIdMaxLength + 1)) },
  { weight: 2, arbitrary: oddString(70) },
  { weight: 1, arbitrary: anyJson },
);

export const userIdArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }, { weight: 2, arbitrary: oddNumber }, { weight: 1, arbitrary: anyJson });

/** data_content: objects of every size up to just past the limit, and things that are not objects. */
export const dataContentArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: -64, max: 64 }).map((delta) => ({ s: 'x'.repeat(RecordLimits.dataContentMaxBytes - 8 + delta) })) },
  { weight: 1, arbitrary: fc.integer({ min: RecordLimits.dataContentMaxDepth - 1, max: RecordLimits.dataContentMaxDepth + 2 }).map((d) => nested(d)) },
  { weight: 2, arbitrary: anyJson },
);

/** The value one time in `oneIn`, else undefined (fc.option's freq is the other way round: its nil is the rare one). */
export function rarely<T>(arb: fc.Arbitrary<T>, oneIn = 8): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** A valid-looking object with fields dropped, replaced by anything, or added. */
export function mutatedObject(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([key, arb]) => fc.option(arb, { nil: undefined, freq: 6 }).map((value) => [key, value] as const));
  return fc
    .tuple(fc.tuple(...entries), fc.dictionary(fc.oneof(oddString(12), fc.constantFrom('__proto__', 'constructor', 'id', 'version')), anyJson, { maxKeys: 2 }), fc.nat(9))
    .map(([kv, extra, n]) => {
      const object: Record<string, unknown> = {};
      for (const [k, v] of kv) if (v !== undefined) object[k] = v;
      return n === 0 ? { ...object, ...extra } : object;
    });
}

/** A body as sent: JSON of the value mostly, sometimes raw text that is not JSON, empty, or JSON that is not an object. */
export function bodyText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '{', '{"a":1', 'null', '[]', '"s"', '1', 'true', '{"__proto__":{"x":1}}', '{"data_content":{}, "data_content":[]}', '\ufeff{}', '{"a":NaN}', '{"a":1}garbage') },
    { weight: 1, arbitrary: oddString(60) },
  );
}

export const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/JSON',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json;;;',
      'application/merge-patch+json',
      'application/json-patch+json',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '*/*',
      'application/json, text/plain',
      'application',
      ';',
    ),
  },
);

export const ifMatchArb: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('"1"', '1', 'W/"1"', '"2"', '*', '', '"0"', '"01"', '"99999999999"', '"4294967296"', '"1", "2"', 'W/', '""', '"-1"', '"1.5"', 'abc', '\u00ff\u00fe', ' "1" ') },
  { weight: 1, arbitrary: fc.constant<string[]>(['"1"', '"1"']) },
  { weight: 1, arbitrary: oddString(20) },
);

export const idempotencyKeyArb: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/).map((k) => `fuzz-${k}`) },
  { weight: 1, arbitrary: fc.constantFrom('k'.repeat(200), 'k'.repeat(201), '', ' ', 'a b', 'é', '\u00a0', 'key\u007f') },
  { weight: 1, arbitrary: fc.constant<string[]>(['a', 'b']) },
  { weight: 1, arbitrary: oddString(20) },
);

export const preferArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('respond-async', 'RESPOND-ASYNC', 'respond-async, wait=0', 'wait=1', 'return=minimal', ',', 'respond-async;x', '') },
  { weight: 1, arbitrary: oddString(20) },
);

export const correlationArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('c'.repeat(128), 'c'.repeat(129), 'a b', '', 'ok-1') },
  { weight: 1, arbitrary: oddString(20) },
);

/** Percent-encodes anything: a lone surrogate (which has no UTF-8) goes out as its WTF-8 bytes, what a sloppy client would send. */
export function encode(value: string): string {
  return [...value].map((c) => (c.isWellFormed() ? encodeURIComponent(c) : `%${[0xe0 | (c.charCodeAt(0) >> 12), 0x80 | ((c.charCodeAt(0) >> 6) & 63), 0x80 | (c.charCodeAt(0) & 63)].map((b) => b.toString(16).toUpperCase()).join('%')}`)).join('');
}

/** A path segment as sent on the wire: valid ids, encoded slashes and dots, broken escapes, long ones. */
export function segmentArb(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: valid.map(encode) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('%2F', 'a%2Fb', '%2e', '%2e%2e', '..', '.', '%00', '%FF', '%C0%AE', '%', '%zz', '%ED%A0%80', '%F0%9F%99%82', ';', 'a;b=c', '%3F', '%23', '%20', '+', 'a'.repeat(65), 'a'.repeat(64), '%F0%9F%99%82'.repeat(65), '0', '-1', '18446744073709551616', '1'.repeat(400)),
    },
    { weight: 1, arbitrary: oddString(30).map(encode).filter((s) => s.length > 0) },
  );
}

/** Headers as sent, leaving out the undefined ones. */
export function headersOf(entries: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>;
}

/** A query string of the given parameters (each perhaps left out, repeated, odd or empty) and perhaps an unknown one. */
export function queryStringArb(params: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const parts = Object.entries(params).map(([name, value]) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([] as string[]) },
      { weight: 4, arbitrary: value.map((v) => [`${name}=${encode(v)}`]) },
      { weight: 1, arbitrary: fc.tuple(value, value).map(([a, b]) => [`${name}=${encode(a)}`, `${name}=${encode(b)}`]) },
      { weight: 1, arbitrary: fc.constantFrom([name], [`${name}=`], [`${name}[]=1`], [`${name}[a]=1`], [`${name}=%FF`], [`${name}=%`]) },
    ),
  );
  const extra = rarely(fc.constantFrom('unknown=1', '__proto__=1', 'constructor=x', '=1', '&&', 'a%00=1'));
  return fc.tuple(fc.tuple(...parts), extra).map(([chosen, e]) => [...chosen.flat(), ...(e ? [e] : [])].join('&'));
}

export const digitString = (max = 100): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -5, max: max + 5 }).map(String) }, { weight: 1, arbitrary: oddNumber.map(String) }, { weight: 1, arbitrary: oddString(10) });

export interface FuzzTarget {
  url: string;
  conformance: OpenApiConformance;
  totals: FuzzTotals;
  /** What a refused request must leave unchanged (e.g. the event count); compared before and after each refusal. */
  writtenCount?: () => Promise<number>;
}

/**
 * One endpoint's property: FUZZ_RUNS requests (seeded; fast-check prints the seed and the
 * counterexample), each answer checked by answerProblems, each refusal checked for writes.
 */
export async function fuzzEndpoint(target: FuzzTarget, endpoint: string, requests: fc.Arbitrary<RawRequest>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, async (req) => {
      const before = await target.writtenCount?.();
      const answer = await send(target.url, req);
      target.totals.record(endpoint, answer);
      if (process.env.SHARDLINE_FUZZ_LOG) appendFileSync(process.env.SHARDLINE_FUZZ_LOG, `${endpoint}\t${req.path.slice(0, 200)}\t${answer?.status}\t${answer?.text.slice(0, 300)}\n`);
      if (!answer) return; // Node refused to send it (an illegal header character): nothing reached the server
      const problems = answerProblems(target.conformance, req, req.path, answer);
      if (target.writtenCount && answer.status >= 400) {
        const after = await target.writtenCount();
        if (after !== before) problems.push(`refused with ${answer.status} but wrote ${after - before!} events`);
      }
      if (problems.length > 0) throw new Error(describeFailure(req, answer, problems));
    }),
    { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true, interruptAfterTimeLimit: 240_000 },
  );
}
