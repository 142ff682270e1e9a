import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/check/finding.js';
import type { CheckResult } from '../../src/check/run-check.js';
import { findingText } from '../../src/report/text-report.js';
import { check, codes } from './project.js';

/**
 * A finding's first line in the text report fits the report's width on one line; a title cut to fit
 * ends in an ellipsis and its rest opens the next line, so nothing it says is lost.
 */
export function expectFittedTitle(f: Finding): void {
  expectFittedLines(findingText(f));
}

/** The same, for a finding already laid out: its first line, and what follows it and its `-->` line. */
export function expectFittedLines([first = '', ...after]: readonly string[]): void {
  expect(first.length, first).toBeLessThanOrEqual(100);
  expect(after[0]?.startsWith('    '), `the title runs on: ${first} / ${after[0]}`).toBe(false);
  const next = after.find((l) => !l.startsWith('  --> ')) ?? '';
  if (first.endsWith('…')) expect(next, `${first} / ${next}`).toMatch(/^ {2}(why: )?…\S/u);
}

export interface RuleCases {
  /** Builds a project on which the rule must report. */
  readonly bad: () => string;
  /** Builds the corrected project, on which it must stay quiet. */
  readonly good: () => string;
  /** The Alembic release to model (default: latest). */
  readonly version?: string;
  /** How the project is checked, when the rule needs more than the model (the release line: the check command). */
  readonly run?: (root: string) => Promise<CheckResult>;
}

/** The two-way test every rule has: it reports the incorrect case and stays quiet on the correct one. */
export function describeRule(
  code: string,
  cases: RuleCases,
  assertBad: (f: Finding, r: CheckResult) => void,
): void {
  const version = cases.version ?? 'latest';
  describe(code, () => {
    it('reports the incorrect case', async () => {
      const r = await (cases.run ?? ((root: string) => check(root, version)))(cases.bad());
      const f = r.findings.find((x) => x.code === code);
      expect(f, JSON.stringify(codes(r))).toBeDefined();
      assertBad(f!, r);
      // the text report leads with a title that fits the first line, cut only with its rest kept
      for (const x of r.findings.filter((y) => y.code === code)) expectFittedTitle(x);
    });

    it('stays quiet on the correct case', async () => {
      const r = await (cases.run ?? ((root: string) => check(root, version)))(cases.good());
      expect(codes(r)).not.toContain(code);
    });
  });
}
