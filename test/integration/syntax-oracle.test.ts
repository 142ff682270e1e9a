import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadProjectConfig } from '../../src/alembic/config/alembic-config.js';
import { parseAlembicVersion } from '../../src/alembic/config/alembic-version.js';
import { modelFromConfig } from '../../src/alembic/loading/project-model.js';
import { diskFiles } from '../../src/project/project-files.js';
import { pythonSyntaxOracle } from '../../src/release/syntax-oracle.js';
import { corpusSources } from '../helpers/corpus.js';
import { cpythonCompile, cpythonCompileBytes, PYTHON } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';
import { DEFAULT_INI, makeProject, migration, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const V = 'migrations/versions/';
/** A line no tokenizer rule catches: a walrus whose target is an attribute (CPython's parser refuses it). */
const WALRUS = 'op.ad:=d_column("t", sa.Column("x", sa.Integer()))';

/**
 * PATH with `python3.11` and `alembic` that run Debian's CPython and count each start of the
 * interpreter, so a test sees when the tool asked it.
 */
function countedPython(): { bin: string; starts: () => number } {
  const bin = tempDir('preflight-oracle-bin-');
  const log = path.join(bin, 'starts');
  // named for its version, as Debian's /usr/bin/python3 resolves to python3.11
  writeFileSync(path.join(bin, 'python3.11'), `#!/bin/sh\necho started >> '${log}'\nexec ${PYTHON} "$@"\n`, {
    mode: 0o755,
  });
  writeFileSync(
    path.join(bin, 'alembic'),
    `#!${path.join(bin, 'python3.11')}\nimport sys\nfrom alembic.config import main\nsys.exit(main())\n`,
    { mode: 0o755 },
  );
  return { bin, starts: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0) };
}

/** The unparseable-file finding of `check --format json`'s output. */
function syntaxFinding(stdout: string): { code: string; line?: number; alembicError?: string } {
  const doc = JSON.parse(stdout) as { findings: { code: string; line?: number; alembicError?: string }[] };
  return doc.findings.find((f) => f.code === 'unparseable-file')!;
}

describe('the interpreter as the syntax oracle for files off the fast path', () => {
  it("blocks on CPython's own error where the static reader sees none, and asks the interpreter once per content", () => {
    const { bin, starts } = countedPython();
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: migration('b2', 'a1', WALRUS, 'pass') },
      DEFAULT_INI,
    );
    const source = readFileSync(path.join(root, V, 'b2_x.py'), 'utf8');
    const truth = cpythonCompile([source])[0]!;
    expect(truth.msg).toBe('cannot use assignment expressions with attribute');
    const cache = tempDir('preflight-oracle-cache-');
    const env = { PATH: `${bin}:/usr/bin:/bin`, ALEMBIC_PREFLIGHT_CACHE: cache };
    const first = runCli(root, ['check', '--no-lint', '--format', 'json'], env);
    expect(first.status, first.stderr).toBe(1);
    const finding = syntaxFinding(first.stdout);
    expect(finding.alembicError).toBe(`SyntaxError: ${truth.msg}`);
    expect(finding.line).toBe(truth.line);
    expect(starts()).toBe(1);
    // the verdict is kept by the file's content: the next run asks no interpreter
    const second = runCli(root, ['check', '--no-lint', '--format', 'json'], env);
    expect(second.stdout).toBe(first.stdout);
    expect(starts()).toBe(1);
  });

  it('judges a \\N{…} name by the interpreter: an unknown one blocks with its error, a known one passes', () => {
    const { bin } = countedPython();
    const named = (name: string): string =>
      migration('b2', 'a1', `op.execute("UPDATE t SET s = '\\N{${name}}'")`, 'pass');
    const env = { PATH: `${bin}:/usr/bin:/bin`, ALEMBIC_PREFLIGHT_CACHE: 'off' };
    const bad = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: named('EM-DASH') },
      DEFAULT_INI,
    );
    const truth = cpythonCompile([readFileSync(path.join(bad, V, 'b2_x.py'), 'utf8')])[0]!;
    expect(truth.msg).toMatch(/unknown Unicode character name$/u);
    const r = runCli(bad, ['check', '--no-lint', '--format', 'json'], env);
    expect(r.status, r.stderr).toBe(1);
    const finding = syntaxFinding(r.stdout);
    expect(finding.alembicError).toBe(`SyntaxError: ${truth.msg}`);
    expect(finding.line).toBe(truth.line);
    // the control: a name the interpreter knows
    const good = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: named('EM DASH') },
      DEFAULT_INI,
    );
    const ok = runCli(good, ['check', '--no-lint'], env);
    expect(ok.status, ok.stdout).toBe(0);
  });

  it("gives the interpreter's own error where the static reader names another of the file's errors", () => {
    const { bin } = countedPython();
    // CPython compiles a try's else block before its handlers: it names the break, the reader the bare except
    const body = 'try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\nelse:\n    break';
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: migration('b2', 'a1', body, 'pass') },
      DEFAULT_INI,
    );
    const source = readFileSync(path.join(root, V, 'b2_x.py'), 'utf8');
    const truth = cpythonCompile([source])[0]!;
    expect(truth.msg).toBe("'break' outside loop");
    const finding = (env: Record<string, string>) =>
      syntaxFinding(runCli(root, ['check', '--no-lint', '--format', 'json'], env).stdout);
    const env = { PATH: `${bin}:/usr/bin:/bin`, ALEMBIC_PREFLIGHT_CACHE: 'off' };
    expect(finding(env)).toMatchObject({ alembicError: `SyntaxError: ${truth.msg}`, line: truth.line });
    // the control: the static reader alone names the bare except, on its line, and no words of Python's
    const alone = finding({ ...env, ALEMBIC_PREFLIGHT_PYTHON: 'off' });
    expect(alone.alembicError).toBe('SyntaxError');
    expect(alone.line).toBeLessThan(truth.line);
  });

  it('clears a valid file off the fast path, and is not asked for a project that declares another Python', () => {
    const { bin, starts } = countedPython();
    const lambda = migration('b2', 'a1', 'f = lambda: 1', 'pass');
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: lambda }, DEFAULT_INI);
    const env = { PATH: `${bin}:/usr/bin:/bin`, ALEMBIC_PREFLIGHT_CACHE: 'off' };
    const ok = runCli(root, ['check', '--no-lint'], env);
    expect(ok.status, ok.stdout).toBe(0);
    expect(starts()).toBe(1);
    // Debian's CPython is 3.11: its verdict is not a 3.13 app's
    const other = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        [V + 'b2_x.py']: migration('b2', 'a1', WALRUS, 'pass'),
        '.python-version': '3.13\n',
      },
      DEFAULT_INI,
    );
    runCli(other, ['check', '--no-lint'], env);
    expect(starts()).toBe(1);
    // and ALEMBIC_PREFLIGHT_PYTHON=off keeps to the static readers
    runCli(root, ['check', '--no-lint'], { ...env, ALEMBIC_PREFLIGHT_PYTHON: 'off' });
    expect(starts()).toBe(1);
  });
});

describe('no file CPython rejects is cleared where the interpreter is at hand', () => {
  it('one project of 1,500 edited migrations: every file CPython rejects has a syntax finding, and no file it compiles has one', async () => {
    const texts = corpusSources();
    const next = rng(20261126);
    const files: Record<string, string> = {};
    const sources: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const t = texts[Math.floor(next() * texts.length)]!;
      // one edit of the kinds a bad merge makes: a character in, a few out
      const at = Math.floor(next() * t.length);
      const edited =
        next() < 0.5
          ? t.slice(0, at) + EDITS[Math.floor(next() * EDITS.length)]! + t.slice(at)
          : t.slice(0, at) + t.slice(at + 1 + Math.floor(next() * 3));
      if (edited.includes('\0')) continue;
      files[`${V}f${i}_x.py`] = edited;
      sources.push(edited);
    }
    const root = makeProject(files, DEFAULT_INI);
    // as import reads each file: its bytes, coding declaration and all
    const truth = cpythonCompileBytes(sources);
    const config = await loadProjectConfig({
      cwd: root,
      files: diskFiles(),
      env: {},
      alembicVersion: parseAlembicVersion('1.8.1')!,
      python: null,
    });
    const oracle = pythonSyntaxOracle({ PATH: '/usr/bin:/bin' }, null)!;
    const model = modelFromConfig(config, parseAlembicVersion('1.8.1')!, undefined, { syntaxOracle: oracle });
    const byName = new Map(model.files.map((f) => [f.fileName, f]));
    let rejected = 0;
    const cleared: string[] = [];
    const blocked: string[] = [];
    Object.keys(files).forEach((rel, i) => {
      const f = byName.get(path.basename(rel))!;
      const syntax = f.problems.some((p) => p.code === 'unparseable-file' || p.code === 'needs-newer-python');
      if (truth[i]) {
        rejected++;
        if (!syntax) cleared.push(`${JSON.stringify(truth[i])}: ${rel}`);
      } else if (syntax) blocked.push(rel);
    });
    expect(cleared).toEqual([]);
    expect(blocked).toEqual([]);
    expect(rejected).toBeGreaterThan(500);
  }, 120_000);
});

const EDITS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '=',
  '"',
  "'",
  '\\',
  ' ',
  '\n',
  '    ',
  '\t',
  '**',
  ':=',
];
