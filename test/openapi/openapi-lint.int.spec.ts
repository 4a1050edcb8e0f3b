import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { queryOpenApiDocument } from '@shardline/query-http';
import { apiOpenApiDocument } from '../../apps/api/src/api.openapi';

const run = promisify(execFile);
const REDOCLY = join(__dirname, '../../node_modules/.bin/redocly');

/**
 * Both OpenAPI documents, built by the functions their controllers serve, pass `redocly lint`
 * with the recommended ruleset: no error and no warning (client generators need operationIds,
 * the security scheme, servers and a description on every response).
 */
describe('OpenAPI documents pass redocly lint (recommended)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shardline-openapi-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['api', apiOpenApiDocument],
    ['query-api', queryOpenApiDocument],
  ])('%s', async (name, build) => {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(build(), null, 2));
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    const { stdout, stderr } = await run(REDOCLY, ['lint', '--extends', 'recommended', '--format', 'json', file], { env, maxBuffer: 16 << 20 }).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }> };
    const problems = report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect({ totals: report.totals, problems, stderr: report.totals.errors ? stderr : '' }).toEqual({ totals: { errors: 0, warnings: 0, ignored: 0 }, problems: [], stderr: '' });
  }, 60_000);

  it('declares the bearer scheme, required at the top level, and an operationId on every operation', () => {
    for (const doc of [apiOpenApiDocument(), queryOpenApiDocument()] as Array<Record<string, any>>) {
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.security).toEqual([{ bearer: [] }]);
      expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
      const operations = Object.values(doc.paths).flatMap((item) => Object.values(item as object));
      expect(operations.filter((op) => !op.operationId)).toEqual([]);
      expect(operations.filter((op) => !op.responses['401'] || !op.responses['503'])).toEqual([]);
    }
  });
});
