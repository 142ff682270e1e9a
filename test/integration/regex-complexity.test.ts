import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every regular expression in src/ runs in time linear in its input, as recheck (an
 * automaton-based checker) proves or fuzzes it, unless its input is bounded and the bound is
 * written down here. A pattern that backtracks quadratically turns one odd line in a user's
 * repository into minutes of a release phase (see linear-time.test.ts for the ones it found).
 */
const SRC = path.resolve(import.meta.dirname, '../../src');

/**
 * recheck's verdict on every literal pattern, computed once: the same pattern, flags and recheck version
 * always get the same verdict (a fixed seed, no time budget), and computing all of them takes half a
 * minute. Each run re-derives a random sample and every pattern the file does not hold yet (a new or
 * changed one fails until the file is regenerated); `npm run test:fixtures` re-derives them all.
 */
const VERDICTS = path.resolve(import.meta.dirname, '../fixtures/regex-verdicts.json');
const RECHECK = (createRequire(import.meta.url)('recheck/package.json') as { version: string }).version;
const REGENERATE = process.env.PREFLIGHT_REGENERATE_FIXTURES === '1';
const SAMPLE = 40;

interface VerdictFile {
  readonly recheck: string;
  /** `/source/flags` (g and y dropped: they change where a match starts, not how it backtracks) → verdict */
  readonly verdicts: Record<string, string>;
}

/** recheck's verdict: `safe`, or what is wrong and an input that shows it. */
function verdictOf(source: string, flags: string): string {
  // no time budget and a fixed seed: the same verdict on a fast or a loaded machine (a budget in seconds
  // turned into 'unknown' on a busy one)
  const r = checkSync(source, flags, { timeout: null, randomSeed: 1 });
  return r.status === 'vulnerable' ? `vulnerable (${r.complexity.type}), e.g. ${r.attack.pattern}` : r.status;
}

/** `file /source/`: why a pattern recheck reports as super-linear cannot meet a long input. */
const BOUNDED: Record<string, string> = {
  'alembic/reading/module-reader.ts /\\bfrom\\s+alembic\\s+import\\s*\\(?[\\w\\s,]{0,2000}?\\bop\\b(?!\\s+as\\b)/':
    'the import list is capped at 2,000 characters, so each `from alembic import` costs at most that',
  'check/lint/lint-config.ts /^(\\S+)((?:\\s+(?:path|revision)=\\S+)*)\\s*(?:reason=(.*))?$/':
    "one ignore entry of the project's own lint configuration",
  'check/log-scanner.ts /Revision (\\S+) referenced from .+? is not present/':
    'log lines are cut at 64 KB (MAX_LINE): at most tens of ms for a line built to hit it',
  'check/log-scanner.ts /Running upgrade (.*?) -> ([^,\\s]+)/':
    'log lines are cut at 64 KB (MAX_LINE), as above',
};

/**
 * `file new RegExp(<argument text>`: patterns built at run time, which recheck cannot see here.
 * Each was checked by hand with its parts filled in (2026-11-25); a new or changed one fails
 * this test until it is checked and listed.
 */
const DYNAMIC: Record<string, string> = {
  'alembic/config/ini-parser.ts `^[${PY_SPACE}]+`': 'anchored, one class: linear',
  'alembic/config/ini-parser.ts `[^${PY_SPACE}]`': 'one character',
  'check/lint/lint-config.ts `^${re}$`':
    'a glob turned into literals and [^/]* runs, each run ended by a literal or the end',
  'check/lint/migration-ops.ts String.raw`\\bglobals\\s*\\(\\s*\\)\\s*(?:\\[|\\.get\\s*\\()\\s*${param}\\b|\\bgetattr\\s*\\([^,()]+(?:\\([^()]*\\)[^,()]*)?,\\s*${param}\\b|\\beval\\s*\\(\\s*${param}\\b`':
    'safe with a name filled in (the getattr arguments no longer overlap)',
  'check/lint/dialect-conditions.ts String.raw`^[\\w.()]*${DIALECT}\\s*(==|!=)\\s*[\'"](\\w+)[\'"]$`':
    'safe with DIALECT filled in',
  'check/lint/dialect-conditions.ts String.raw`^[\\w.()]*${DIALECT}\\s+(not\\s+in|in)\\s*[([{]([^)\\]}]*)[)\\]}]$`':
    'safe with DIALECT filled in',
  'check/lint/dialect-conditions.ts String.raw`^[\\w.()]*${DIALECT}\\.startswith\\(\\s*(?:[\'"](\\w+)[\'"]|\\(([^)]*)\\))\\s*\\)$`':
    "quadratic only on one if statement's condition holding hundreds of nested `.startswith((`; conditions are a line or two",
  'check/lint/dialect-conditions.ts String.raw`^[\\w.()]*${DIALECT}$`': 'safe with DIALECT filled in',
  'check/lint/dialect-conditions.ts DIALECT': 'an alternation of three literals',
  'check/lint/python-syntax.ts `(^|[^\\\\w.])${name}\\\\b`': 'a literal name',
  'check/lint/table-model.ts `\\\\bop\\\\.(?:${TABLE_OPS})\\\\(\\\\s*(?=\\\\S)(?![\'"][\\\\w.]+[\'"]\\\\s*[,)])`':
    'safe with TABLE_OPS filled in',
  'check/lint/table-model.ts `\\\\b(?:${TABLE_OPS})\\\\(\\\\s*[\'"](?:\\\\w+\\\\.)?(\\\\w+)[\'"]`':
    'safe with TABLE_OPS filled in',
  "check/lint/table-model.ts `['\"](?:\\\\w+\\\\.)?(?:${[...names].join('|')})['\"]`":
    'safe with names filled in',
  'check/lint/table-model.ts HAS_TABLE_DDL.source':
    'the same source as the HAS_TABLE_DDL literal, checked above',
  'check/rules/deploy-script-hazard.ts String.raw`\\b(?:(?:alembic|python3?\\s+-m\\s+alembic)\\b[^\\n;&|]*?\\bupgrade\\s+(heads?)\\b|${FLASK_DB}\\b[^\\n;&|]*?\\bupgrade(?:\\s+(heads?)\\b|(?=\\s*(?:$|[;&|)"\']))))`':
    'lines over 10,000 characters are not read (MAX_LINE): about 15 ms for a line built to hit it',
  'check/rules/deploy-script-hazard.ts String.raw`\\b(?:alembic|python3?\\s+-m\\s+alembic|${FLASK_DB})\\b[^\\n;&|]*?\\bstamp\\s+(heads?)\\b`':
    'lines over 10,000 characters are not read (MAX_LINE), as above',
  'check/rules/enum-not-dropped-in-downgrade.ts `DROP\\\\s+TYPE\\\\s+(IF\\\\s+EXISTS\\\\s+)?("?\\\\w+"?\\\\.)?"?${quoted}"?\\\\b`':
    'safe with a name filled in',
  'check/rules/enum-not-dropped-in-downgrade.ts `ALTER\\\\s+TYPE\\\\s+("?\\\\w+"?\\\\.)?"?${quoted}"?\\\\s+RENAME\\\\s+TO\\\\b`':
    'safe with a name filled in',
  'check/rules/renamed-table-still-referenced.ts `\\\\b(FROM|JOIN|UPDATE|INSERT\\\\s+INTO|DELETE\\\\s+FROM)\\\\s+(?:"?\\\\w+"?\\\\.)?("?)(${names.map(escape).join(\'|\')})\\\\2(?![\\\\w.])`':
    'safe with names filled in',
  'check/rules/renamed-table-still-referenced.ts `(?:^|\\\\n)[ \\\\t]*${py.of(target)}\\\\s*=\\\\s*([\\\\w.]+)\\\\(`':
    'safe with a name filled in',
  'generate/placeholder.ts `^${field}[ \\\\t]*(?::([^=\\\\r\\\\n]*))?=[ \\\\t]*(.*)$`':
    'safe with a field name filled in (the annotation is trimmed after the match)',
};

interface Found {
  readonly key: string;
  readonly where: string;
  readonly source?: string;
  readonly flags?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

function patternsInSrc(): { literals: Found[]; dynamic: Found[] } {
  const literals: Found[] = [];
  const dynamic: Found[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const where = `src/${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText(sf);
        const end = text.lastIndexOf('/');
        literals.push({
          key: `${rel} ${text.slice(0, end + 1)}`,
          where,
          source: text.slice(1, end),
          flags: text.slice(end + 1),
        });
      } else if (ts.isNewExpression(node) && node.expression.getText(sf) === 'RegExp') {
        const arg = node.arguments?.[0]?.getText(sf) ?? '';
        dynamic.push({ key: `${rel} ${arg}`, where });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { literals, dynamic };
}

describe('regular expressions in src/', () => {
  const { literals, dynamic } = patternsInSrc();

  it('finds the patterns it checks', () => {
    // a parse that found nothing would pass every assertion below
    expect(literals.length).toBeGreaterThan(300);
    expect(dynamic.length).toBeGreaterThan(20);
  });

  // async, and yielding between patterns: recheck works synchronously, and a worker that blocks its
  // event loop for minutes holds back every report it owes the main process
  it(
    'are linear-time, or their input is bounded and the bound is written down',
    { timeout: 600_000 },
    async () => {
      const keyOf = (p: Found): string => `/${p.source!}/${p.flags!.replace(/[gy]/gu, '')}`;
      const keys = [...new Set(literals.map(keyOf))].sort();
      const held: VerdictFile = REGENERATE
        ? { recheck: RECHECK, verdicts: {} }
        : (JSON.parse(readFileSync(VERDICTS, 'utf8')) as VerdictFile);
      const regenerate = 'run npm run test:fixtures to re-derive test/fixtures/regex-verdicts.json';
      expect(held.recheck, regenerate).toBe(RECHECK);
      const missing = keys.filter((k) => !(k in held.verdicts));
      const sample = REGENERATE
        ? keys
        : [
            ...missing,
            ...pick(
              keys.filter((k) => k in held.verdicts),
              SAMPLE,
            ),
          ];
      const derived: Record<string, string> = {};
      for (const key of sample) {
        await new Promise((resolve) => setImmediate(resolve));
        const end = key.lastIndexOf('/');
        derived[key] = verdictOf(key.slice(1, end), key.slice(end + 1));
      }
      if (REGENERATE) {
        writeFileSync(VERDICTS, JSON.stringify({ recheck: RECHECK, verdicts: derived }, null, 2) + '\n');
        return;
      }
      // the file holds exactly today's patterns, and the sample re-derived agrees with it
      expect(missing, regenerate).toEqual([]);
      expect(
        Object.keys(held.verdicts).filter((k) => !keys.includes(k)),
        regenerate,
      ).toEqual([]);
      for (const [key, verdict] of Object.entries(derived)) expect(held.verdicts[key], key).toBe(verdict);
      const superLinear: string[] = [];
      const stillListed = new Set<string>();
      const seen = new Set<string>();
      for (const p of literals) {
        if (seen.has(p.key)) continue;
        seen.add(p.key);
        const verdict = held.verdicts[keyOf(p)]!;
        if (verdict === 'safe') continue;
        if (p.key in BOUNDED) stillListed.add(p.key);
        else superLinear.push(`${p.where} /${p.source}/${p.flags}: ${verdict}`);
      }
      expect(superLinear).toEqual([]);
      // an entry whose pattern became linear, or no longer exists, comes off the list
      expect(Object.keys(BOUNDED).filter((k) => !stillListed.has(k))).toEqual([]);
    },
  );

  it("the fixture's verdicts are recheck's own: a super-linear pattern is not called safe", () => {
    // what the sample relies on: recheck answers for these as the file would record them
    expect(verdictOf('^(a+)+$', '')).toMatch(/^vulnerable \(exponential\)/u);
    expect(verdictOf('^\\s*\\w+$', 'u')).toBe('safe');
  });

  it('built at run time are each checked by hand and listed', () => {
    const keys = new Set(dynamic.map((d) => d.key));
    expect(dynamic.filter((d) => !(d.key in DYNAMIC)).map((d) => `${d.where}: ${d.key}`)).toEqual([]);
    expect(Object.keys(DYNAMIC).filter((k) => !keys.has(k))).toEqual([]);
  });
});

/** `n` of the keys, at random: which ones a run re-derives changes from run to run. */
function pick(keys: readonly string[], n: number): string[] {
  const pool = [...keys];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}
