import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import type { Finding } from '../../src/check/finding.js';
import type { VerifyResult } from '../../src/check/run-verify.js';
import { prepareDatabase, writeScenarioProject, type Scenario } from './db-scenario.js';

/** Runs `verify` on a scenario against a real SQLite file. */
export async function verifySqlite(
  s: Scenario,
): Promise<{ result: VerifyResult; exitCode: number; stdout: string; root: string }> {
  const root = writeScenarioProject(s);
  const url = await prepareDatabase(s, 'sqlite', root);
  const out = await verifyCommand({
    cwd: root,
    format: 'text',
    env: { DATABASE_URL: url },
    target: s.target,
    alembicVersion: '1.8.1',
  });
  return { ...out, root };
}

/** The two-way test for a database rule: it reports on `bad` and stays quiet on `good`. */
export function describeDbRule(
  code: string,
  cases: { bad: Scenario; good: Scenario },
  assertBad: (f: Finding, r: VerifyResult) => void,
): void {
  describe(code, () => {
    it('reports the incorrect case', async () => {
      const { result } = await verifySqlite(cases.bad);
      const f = result.findings.find((x) => x.code === code);
      expect(f, JSON.stringify(result.findings.map((x) => x.code))).toBeDefined();
      assertBad(f!, result);
    });
    it('stays quiet on the correct case', async () => {
      const { result } = await verifySqlite(cases.good);
      expect(result.findings.map((x) => x.code)).not.toContain(code);
    });
  });
}
