import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/check/rules.js';
import { FINDING_CODES } from '../../src/check/finding.js';
import { REPO } from '../helpers/oracle.js';

const base = (dir: string, ext: string): string[] =>
  readdirSync(path.join(REPO, dir))
    .filter((f) => f.endsWith(ext))
    .map((f) => f.slice(0, -ext.length))
    .sort();

/** A rule's test: under test/unit/rules when the rule is tested with files alone, test/integration/rules when it needs a database, Python or git. */
const RULE_TEST_DIRS = ['test/unit/rules', 'test/integration/rules'];
const ruleTests = (): string[] => RULE_TEST_DIRS.flatMap((d) => base(d, '.test.ts')).sort();
const ruleTestPath = (code: string): string =>
  path.join(
    REPO,
    RULE_TEST_DIRS.find((d) => existsSync(path.join(REPO, d, `${code}.test.ts`)))!,
    `${code}.test.ts`,
  );

describe('rule, doc and test stay in step', () => {
  const codes = RULES.map((r) => r.code).sort();

  it('codes are unique stable kebab-case', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it("every rule's title is a short phrase that fits a finding's first line after `warning [code] `", () => {
    for (const r of RULES) {
      expect(`warning [${r.code}] ${r.title}`.length, r.code).toBeLessThanOrEqual(100);
      expect(r.title, r.code).toMatch(/^\S.*[^.…]$/u);
    }
  });

  it('every rule file is registered, and named after its code', () => {
    expect(base('src/check/rules', '.ts')).toEqual(codes);
  });

  it('FINDING_CODES (and so the FindingCode type) names every code and nothing else', () => {
    expect([...FINDING_CODES].sort()).toEqual(codes);
  });

  it('every code has a doc page with problem, example and fix, listed in the index at its default severity', () => {
    expect(base('docs/findings', '.md').filter((n) => n !== 'README')).toEqual(codes);
    const index = readFileSync(path.join(REPO, 'docs/findings/README.md'), 'utf8');
    const listed = [...index.matchAll(/^\| \[`([a-z-]+)`\]\(\1\.md\) \| ([^|]+)\|/gmu)].map(
      (m) => [m[1]!, m[2]!] as const,
    );
    expect(listed.map(([c]) => c).sort()).toEqual(codes);
    for (const [code, severity] of listed) {
      const rule = RULES.find((r) => r.code === code)!;
      const doc = readFileSync(path.join(REPO, 'docs/findings', `${code}.md`), 'utf8');
      // a cell may add where the severity differs ("warning from check; error from verify")
      expect(severity, code).toContain(rule.severity);
      expect(doc, code).toContain(`Default severity: **${rule.severity}**`);
    }
  });

  it('every lint documents problem, incorrect, correct and when not to use it, at its real default, and has a two-way test', () => {
    for (const r of RULES.filter((x) => x.kind === 'lint')) {
      const doc = readFileSync(path.join(REPO, 'docs/findings', `${r.code}.md`), 'utf8');
      for (const h of ['## Problem', '## Incorrect', '## Correct', '## When not to use it'])
        expect(doc, `${r.code}: ${h}`).toContain(h);
      expect(doc, r.code).toContain(`Default severity: **${r.severity}**`);
      expect(doc.includes('off by default'), r.code).toBe(r.enabledByDefault === false);
      const test = readFileSync(ruleTestPath(r.code), 'utf8');
      expect(test, r.code).toMatch(new RegExp(`describeRule\\(\\s*'${r.code}'`));
    }
  });

  it('every code has a test', () => {
    expect(ruleTests()).toEqual(codes);
    for (const c of codes) expect(existsSync(path.join(REPO, 'docs/findings', `${c}.md`))).toBe(true);
  });
});

describe('rules read facts', () => {
  // what the gathering computes once per database (check/run-verify.ts databaseFacts): a rule that ran
  // one of these would work out again, or differently, what every other rule reads as a fact
  const COMPUTES = [
    'predictUpgrade',
    'resolveStamps',
    'ledgerView',
    'ledgerPositions',
    'aheadChain',
    'latestByRevision',
    'databaseOwner',
    'versionWrites',
    'alreadyPresent',
    'probeSchema',
    'pendingLocks',
    'partlyApplied',
    'rollbackLosses',
    'sha256Hex',
    'dataPlan',
    'inTransactionRefused',
    'runDataProbes',
  ];

  it('no rule runs the graph, ledger, catalog or hash arithmetic the facts hold', () => {
    const runs = (file: string): string[] => {
      const text = readFileSync(path.join(REPO, 'src/check/rules', file), 'utf8');
      // value imports only: a type names a fact's shape, and runs nothing
      const imported = [...text.matchAll(/^import \{([^}]*)\} from/gmu)].flatMap((m) =>
        m[1]!
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n !== '' && !n.startsWith('type ')),
      );
      return imported.filter((n) => COMPUTES.includes(n)).map((n) => `${file}: ${n}`);
    };
    expect(readdirSync(path.join(REPO, 'src/check/rules')).flatMap(runs)).toEqual([]);
  });
});
