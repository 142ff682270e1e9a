import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/check/finding.js';
import type { CheckResult } from '../../src/check/run-check.js';
import { findingText } from '../../src/report/text-report.js';
import { check, codes } from './project.js';

/**
 * Rules whose message still leads with a sentence longer than the first line, which the text report
 * breaks with an ellipsis; every other rule's title is whole and fits. The list only shrinks.
 */
const TITLES_STILL_CUT = new Set([
  'applied-migration-edited',
  'autogenerate-marker-left',
  'bytecode-only-revision',
  'deploy-script-hazard',
  'duplicate-branch-label',
  'enum-add-value-unguarded',
  'enum-not-dropped-in-downgrade',
  'execute-with-params-argument',
  'foreign-key-type-mismatch',
  'hidden-revision-file',
  'ini-value-misread',
  'ledger-unreadable',
  'missing-dependency',
  'module-level-op-call',
  'needs-newer-python',
  'other-databases-not-verified',
  'placeholder-database-url',
  'postgres-scheme-refused',
  'release-generates-migration',
  'renamed-table-still-referenced',
  'revision-cycle',
  'rollback-loses-schema',
  'schema-ahead-of-stamp',
  'schema-already-present',
  'schema-probes-unavailable',
  'script-location-needs-install',
  'script-location-unresolved',
  'shared-version-table',
  'stamp-is-symbolic',
  'stamps-overlap',
  'suppression-without-reason',
  'unparseable-file',
  'unreadable-file',
  'unresolved-import',
  'uuid-not-portable',
  'version-location-is-cwd',
  'version-location-missing',
  'version-table-write-unverified',
]);

/** A finding's first line in the text report: a whole title (no ellipsis) within the report's width. */
export function expectWholeTitle(f: Finding): void {
  const [first = '', second = ''] = findingText(f);
  expect(first, first).not.toMatch(/…$/u);
  expect(second.startsWith('    '), `the title runs on: ${first} / ${second}`).toBe(false);
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
      if (!TITLES_STILL_CUT.has(code))
        for (const x of r.findings.filter((y) => y.code === code)) expectWholeTitle(x);
    });

    it('stays quiet on the correct case', async () => {
      const r = await (cases.run ?? ((root: string) => check(root, version)))(cases.good());
      expect(codes(r)).not.toContain(code);
    });
  });
}
