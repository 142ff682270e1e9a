import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/check/run-check.js';
import { githubAnnotations, markdownSummary } from '../../src/report/review-formats.js';
import { runCli } from '../helpers/cli.js';
import { migration, makeProject, rev } from '../helpers/project.js';
import { RULES } from '../../src/check/rules.js';
import { generateCorpus } from '../helpers/corpus.js';
import { tempDir } from '../helpers/temp-dir.js';

const require = createRequire(import.meta.url);
/** The SARIF 2.1.0 JSON Schema (draft-04), as OASIS published it, checked with ajv. */
const Ajv = require('ajv') as new (o: object) => {
  addMetaSchema(s: object): void;
  compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
};
const ajv = new Ajv({ allErrors: true, schemaId: 'id', validateSchema: false });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json') as object);
const validateSarif = ajv.compile(
  JSON.parse(
    readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
  ) as object,
);

const V = 'migrations/versions/';

/** Findings of every severity: two heads (error), DDL in try/except made a warning, bind parameters made info. */
function project(): string {
  return makeProject({
    [V + 'a1_base.py']: rev('a1', null),
    [V + 'b2_left.py']: rev('b2', 'a1'),
    [V + 'c3_right.py']: migration(
      'c3',
      'a1',
      "try:\n    op.create_index('ix_t_x', 't', ['x'])\nexcept Exception:\n    pass\nop.execute(sa.text('UPDATE t SET x = :x'), {'x': 1})",
      "op.drop_index('ix_t_x')",
    ),
    'pyproject.toml':
      '[tool.alembic-preflight.rules]\nddl-in-try-except = "warning"\nexecute-with-params-argument = "info"\n',
  });
}

interface Annotation {
  level: string;
  props: Record<string, string>;
  body: string;
}

/** Reads `::level k=v,k=v::body` back, undoing GitHub's escaping. */
function annotations(stdout: string): Annotation[] {
  const unescape = (s: string): string =>
    s
      .replaceAll('%0A', '\n')
      .replaceAll('%0D', '\r')
      .replaceAll('%3A', ':')
      .replaceAll('%2C', ',')
      .replaceAll('%25', '%');
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::'))
    .map((l) => {
      const m = /^::(\w+) ([^:]*)::(.*)$/u.exec(l)!;
      const props = Object.fromEntries(
        m[2]!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), unescape(kv.slice(kv.indexOf('=') + 1))]),
      );
      return { level: m[1]!, props, body: unescape(m[3]!) };
    });
}

describe('--format github and --format markdown', () => {
  it('check: one annotation per finding, at its file and line, by severity, then the verdict; the exit code as in text', () => {
    const root = project();
    const text = runCli(root, ['check']);
    const gh = runCli(root, ['check', '--format', 'github']);
    expect(gh.status).toBe(text.status);
    expect(gh.status).toBe(1);
    const json = JSON.parse(runCli(root, ['check', '--format', 'json']).stdout) as {
      findings: { code: string; severity: string; path?: string; line?: number }[];
    };
    const a = annotations(gh.stdout);
    expect(a.map((x) => [x.level, x.props['title']])).toEqual(
      json.findings.map((f) => [
        { error: 'error', warning: 'warning', info: 'notice' }[f.severity],
        `${f.code} (alembic-preflight explain ${f.code})`,
      ]),
    );
    const ddl = a.find((x) => x.props['title']!.startsWith('ddl-in-try-except'))!;
    expect(ddl.level).toBe('warning');
    expect(ddl.props['file']).toBe(`${V}c3_right.py`);
    expect(ddl.props['line']).toBe(String(json.findings.find((f) => f.code === 'ddl-in-try-except')!.line));
    // the title as a sentence, the message without its path prefix, and the fix on the next line
    expect(ddl.body).toMatch(
      /^try\/except around op\.create_index\(…\): a failure aborts the transaction\. try: wraps op\.create_index\(…\) in upgrade\(\)/u,
    );
    expect(ddl.body).toMatch(/\nfix: /u);
    expect(gh.stdout.trimEnd().split('\n').at(-1)).toBe(text.stdout.trimEnd().split('\n').at(-1));
  });

  it('escapes what would end a workflow command early', () => {
    const result = {
      ok: false,
      findings: [
        {
          code: 'multiple-heads',
          severity: 'error',
          message: '100% sure:\r\nnext',
          hint: 'a, b: c',
          path: 'odd,dir:x/a.py',
          line: 3,
        },
      ],
    } as unknown as CheckResult;
    const out = githubAnnotations(result, { word: 'BLOCKED', sentence: 'x', qualifiers: [] });
    expect(out).toBe(
      '::error file=odd%2Cdir%3Ax/a.py,line=3,title=multiple-heads (alembic-preflight explain multiple-heads)::100%25 sure:%0D%0Anext%0Afix: a, b: c\nBLOCKED: x\n',
    );
    expect(markdownSummary('check', result, { word: 'BLOCKED', sentence: 'x', qualifiers: [] })).toContain(
      '| error | `multiple-heads` | <code>odd,dir:x/a.py:3</code> | 100% sure: next |',
    );
  });

  it('verify: the markdown summary has the verdict, a row per finding, the command for its page, and the fixes', () => {
    const root = project();
    const db = new Database(path.join(root, 'app.db'));
    db.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('guest_lockout_001')",
    );
    db.close();
    const env = { DATABASE_URL: 'sqlite:///app.db' };
    const md = runCli(root, ['verify', '--format', 'markdown', '--target', 'heads'], env);
    expect(md.status).toBe(1);
    const lines = md.stdout.split('\n');
    expect(lines[0]).toBe(
      "## alembic-preflight verify: ❌ BLOCKED: <code>alembic upgrade heads</code> will fail: Can't locate revision identified by 'guest&#95;lockout&#95;001'",
    );
    const json = JSON.parse(
      runCli(root, ['verify', '--format', 'json', '--target', 'heads'], env).stdout,
    ) as { findings: { code: string }[] };
    const rows = lines.filter((l) => /^\| (error|warning|info) \|/u.test(l));
    expect(rows.map((l) => /^\| \w+ \| `([a-z-]+)` \|/u.exec(l)![1])).toEqual(
      json.findings.map((f) => f.code),
    );
    expect(md.stdout).toContain('- **`stamped-revision-missing`**: ');
    expect(md.stdout).toContain('`alembic-preflight explain CODE`');
    expect(md.stdout).not.toContain('https://');
    const gh = runCli(root, ['verify', '--format', 'github', '--target', 'heads'], env);
    expect(
      annotations(gh.stdout).find((x) => x.props['title']!.startsWith('stamped-revision-missing'))!.body,
    ).toContain("Alembic prints: FAILED: Can't locate revision identified by 'guest_lockout_001'");
  });

  it('is refused by the commands that print only text or JSON', () => {
    const root = project();
    for (const args of [
      ['backfill', '--format', 'github'],
      ['release', '--format', 'markdown'],
      ['restamp', '--from', 'a', '--to', 'b', '--format', 'github'],
    ]) {
      const r = runCli(root, args, { DATABASE_URL: 'sqlite:///app.db' });
      expect(r.status, args.join(' ')).toBe(2);
      // refused by the flag itself, naming the formats the command has
      expect(r.stderr).toMatch(/Given: "(github|markdown)", Choices: "text", "json"/u);
    }
  });

  it('--format sarif is a valid SARIF 2.1.0 log: every rule with its page, every finding at its place, on check and verify', () => {
    const root = project();
    const db = new Database(path.join(root, 'app.db'));
    db.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('guest_lockout_001')",
    );
    db.close();
    const env = { DATABASE_URL: 'sqlite:///app.db' };
    for (const args of [['check'], ['verify', '--target', 'heads']]) {
      const r = runCli(root, [...args, '--format', 'sarif'], env);
      expect(r.status, r.stderr).toBe(1);
      const log = JSON.parse(r.stdout) as {
        version: string;
        runs: {
          tool: { driver: { rules: { id: string; help: { text: string } }[] } };
          results: {
            ruleId: string;
            ruleIndex: number;
            level: string;
            locations?: {
              physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
            }[];
          }[];
        }[];
      };
      expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
      const run = log.runs[0]!;
      expect(run.tool.driver.rules.map((x) => x.id)).toEqual(RULES.map((x) => x.code));
      // no link to a page that may not exist: the command that prints the page the package ships
      expect(
        run.tool.driver.rules.every((x) => x.help.text.endsWith(`alembic-preflight explain ${x.id}`)),
      ).toBe(true);
      expect(r.stdout).not.toContain('https://github.com');
      const json = JSON.parse(runCli(root, [...args, '--format', 'json'], env).stdout) as {
        findings: { code: string; severity: string; path: string | null; line: number | null }[];
      };
      expect(
        run.results.map((x) => [
          x.ruleId,
          x.level,
          x.locations?.[0]?.physicalLocation.artifactLocation.uri ?? null,
          x.locations?.[0]?.physicalLocation.region?.startLine ?? null,
        ]),
      ).toEqual(
        json.findings.map((f) => [
          f.code,
          { error: 'error', warning: 'warning', info: 'note' }[f.severity],
          f.path,
          f.path === null ? null : f.line,
        ]),
      );
      expect(run.results.every((x) => run.tool.driver.rules[x.ruleIndex]!.id === x.ruleId)).toBe(true);
      // every severity: check has an error, a warning and a note (verify runs no lints: an error and a warning)
      expect(new Set(run.results.map((x) => x.level))).toEqual(
        new Set(args[0] === 'check' ? ['error', 'warning', 'note'] : ['error', 'warning']),
      );
    }
  });

  it('on a generated project: as many annotations and SARIF results as JSON findings, and the SARIF valid', () => {
    const dir = path.join(tempDir('preflight-formats-'), 'project');
    generateCorpus(dir, [
      '--n',
      '200',
      '--seed',
      '3',
      '--traps',
      '0.1',
      '--branch-rate',
      '0.1',
      '--label-rate',
      '0.3',
      '--heads',
      '2',
    ]);
    const json = JSON.parse(runCli(dir, ['check', '--format', 'json']).stdout) as {
      findings: { code: string; severity: string }[];
    };
    expect(
      new Set(json.findings.map((f) => f.severity)).size,
      JSON.stringify(json.findings.map((f) => f.code)),
    ).toBeGreaterThanOrEqual(2);
    expect(annotations(runCli(dir, ['check', '--format', 'github']).stdout)).toHaveLength(
      json.findings.length,
    );
    const sarif = JSON.parse(runCli(dir, ['check', '--format', 'sarif']).stdout) as {
      runs: { results: unknown[] }[];
    };
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors)).toBe(true);
    expect(sarif.runs[0]!.results).toHaveLength(json.findings.length);
    const md = runCli(dir, ['check', '--format', 'markdown']).stdout;
    expect(md.split('\n').filter((l) => /^\| (error|warning|info) \|/u.test(l))).toHaveLength(
      json.findings.length,
    );
  }, 60_000);
});

describe('--format markdown keeps what the project holds as text', () => {
  it('a version-table row or revision id holding <script>, <img> or a link renders as those characters, not as markup', async () => {
    const { marked } = await import('marked');
    const { JSDOM } = await import('jsdom');
    const root = project();
    const db = new Database(path.join(root, 'app.db'));
    const evil = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[click](javascript:alert(1))',
      'a`<b>`|c',
    ];
    db.exec('CREATE TABLE alembic_version (version_num VARCHAR(64) NOT NULL PRIMARY KEY)');
    for (const e of evil) db.prepare('INSERT INTO alembic_version VALUES (?)').run(e);
    db.close();
    const md = runCli(root, ['verify', '--format', 'markdown', '--target', 'heads'], {
      DATABASE_URL: 'sqlite:///app.db',
    }).stdout;
    const html = await marked.parse(md, { gfm: true });
    const dom = new JSDOM(html).window.document;
    expect(dom.querySelectorAll('script, img, iframe, b')).toHaveLength(0);
    // the only links are the findings' pages
    for (const a of dom.querySelectorAll('a'))
      expect(a.getAttribute('href')).toMatch(
        /^https:\/\/github\.com\/alembic-preflight\/alembic-preflight\/blob\/main\/docs\/findings\/[a-z-]+\.md$/u,
      );
    const text = dom.body.textContent ?? '';
    for (const e of evil.slice(0, 3)) expect(text).toContain(e);
    // every table row has its four cells: no value split one
    for (const tr of dom.querySelectorAll('tbody tr')) expect(tr.querySelectorAll('td')).toHaveLength(4);
  });
});
