import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The auditor must share no code with the write path: if it used the API's merge patch, SQL or
 * envelope decoding, a bug there would be a bug here and the audit would agree with it. It may read
 * the soak's own log formats (op-log, fault-log) and talk to the engines through their clients.
 */
describe('bench/chaos/audit', () => {
  it("imports nothing of the project but its own files and the soak's log formats", () => {
    const allowed = /^(\.\/[\w-]+|\.\.\/(op-log|fault-log)|node:[\w/]+|mysql2\/promise|kafkajs)$/;
    const offending: string[] = [];
    for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
      for (const [, from] of readFileSync(join(__dirname, file), 'utf8').matchAll(/from '([^']+)'/g)) {
        if (!allowed.test(from)) offending.push(`${file}: ${from}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
