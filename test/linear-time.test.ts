import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectAlembicVersion } from '../src/alembic/detect-alembic-version.js';
import { interpolationErrorAt, unguardedFileConfigCall } from '../src/alembic/env-py.js';
import { vcsRepositoryName } from '../src/alembic/import-resolver.js';
import { inlineComment, parseIni } from '../src/alembic/ini-parser.js';
import { plpgsqlGuards } from '../src/check/lint/plpgsql-guard.js';
import { nameSuggester, templateMatcher } from '../src/check/rules/filename-convention.js';
import { procfileReleaseLines } from '../src/alembic/procfile-release-lines.js';
import { readRevisionSource } from '../src/alembic/revision-reader.js';
import { pyFormat } from '../src/generate/file-template.js';
import { headerStyleOf } from '../src/generate/placeholder.js';
import { commandProject, procfileTarget } from '../src/release/procfile-target.js';
import { tempDir } from './helpers/temp-dir.js';

/**
 * Inputs that made a pattern backtrack quadratically or cubically (found by recheck, see
 * regex-complexity.test.ts), through the functions that read them. Each took 2-20 s before
 * the patterns were rewritten; linear code reads them in milliseconds. The bound is loose so
 * that a busy machine does not fail it, and still far below what the old patterns took.
 */
const BOUND_MS = 1000;

function timed<T>(run: () => T): { ms: number; value: T | undefined } {
  const start = performance.now();
  let value: T | undefined;
  try {
    value = run();
  } catch {
    // refusing the input is an answer too; only the time is asserted here
  }
  return { ms: performance.now() - start, value };
}

const tabs = (n: number): string => '\t'.repeat(n);

describe('inputs that used to take quadratic or cubic time', () => {
  it('an ini line of blanks with no delimiter, and an ini value with a long blank run', () => {
    expect(timed(() => parseIni(`[alembic]\nx${tabs(60_000)}y\n`, 'alembic.ini')).ms).toBeLessThan(BOUND_MS);
    expect(timed(() => inlineComment(tabs(60_000))).ms).toBeLessThan(BOUND_MS);
    // the answers are still configparser's
    const ini = parseIni(`[alembic]\nscript_location ${tabs(3)}=${tabs(2)} migrations \t\n`, 'alembic.ini');
    expect(ini.get('alembic', 'script_location')).toBe('migrations');
  });

  it('a value with many %( and no )', () => {
    const r = timed(() => interpolationErrorAt(`${'%(s'.repeat(30_000)})%(s)s`));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(r.value).toBe(0);
    expect(interpolationErrorAt('%(here)s/%(x)s and 100%%')).toBe(-1);
    // as Python's _KEYCRE.sub: `%(b%(c)s` is one reference
    expect(interpolationErrorAt('a%(b%(c)s d%')).toBe(3);
  });

  it('a requirements file whose blank lines and blanks interleave', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'requirements.txt'), `E${'\n\t'.repeat(2000)}ALEMBIC${tabs(2000)}.\nalembic == 1.13.2\n`);
    const r = timed(() => detectAlembicVersion(dir));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(r.value?.source).toBe('requirements.txt');
  });

  it('an env.py logging import followed by a blank run', () => {
    const r = timed(() => unguardedFileConfigCall(`from logging.config import\t${tabs(2500)}\u0000\n`));
    expect(r.ms).toBeLessThan(BOUND_MS);
  });

  it('a Procfile release line with a lone CR after a blank run', () => {
    const r = timed(() => procfileReleaseLines(`release:${tabs(60_000)}x\ry\n`));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(procfileReleaseLines('release:   alembic upgrade head  \nweb: x')).toEqual([{ text: 'alembic upgrade head', line: 1 }]);
  });

  it('a heroku.yml release item with blank runs around a dash', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'heroku.yml'), `release:\n  command:\n    -\t${tabs(2000)}-${tabs(2000)}\r\u0000\n`);
    expect(timed(() => procfileTarget(dir)).ms).toBeLessThan(BOUND_MS);
  });

  it('a shell line with a long blank run and no operator', () => {
    const r = timed(() => commandProject(['alembic', `${tabs(60_000)}x`]));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(commandProject(['alembic', '-c', 'a.ini', 'upgrade', 'head', '&&', 'true'])).toEqual({ config: 'a.ini' });
  });

  it('a docstring Revision ID line with a long blank run', () => {
    const source = `"""m\n\nRevision ID::${' '.repeat(60_000)}I\nRevises: a1   \n"""\nrevision = "b2"\ndown_revision = "a1"\n`;
    const r = timed(() => readRevisionSource(source));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(r.value?.docstring?.revises).toBe('a1');
  });

  it('a revision header line whose annotation is a blank run with no =', () => {
    const r = timed(() => headerStyleOf(`revision:${tabs(2000)}${tabs(2000)}\n`));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(headerStyleOf('revision: str = "a1"\n').annotations).toMatchObject({ revision: 'str' });
  });

  it('a file name of 240 digits against a dated file_template (six \\d+ fields in a row)', () => {
    const template = '%(year)d%(month).2d%(day).2d%(hour).2d%(minute).2d%(second).2d_%(rev)s_%(slug)s';
    const stem = '1'.repeat(240);
    expect(timed(() => templateMatcher(template)(stem, 'a1')).ms).toBeLessThan(BOUND_MS);
    expect(timed(() => nameSuggester(template)(stem, 'a1')).ms).toBeLessThan(BOUND_MS);
    // the answers are the same as before
    expect(templateMatcher(template)(stem, 'a1')).toBe(false);
    expect(templateMatcher(template)('20230530202341_a1_x', 'a1')).toBe(true);
    expect(nameSuggester(template)(`${stem}_x`, 'a1')).toBe(`${stem}_a1_x`);
  });

  it('a file_template with a long run of zeros', () => {
    expect(timed(() => pyFormat(`%0${'0'.repeat(25_000)}0)%%`, {})).ms).toBeLessThan(BOUND_MS);
    expect(pyFormat('%(rev)s_%(slug)-5s|%(n)05d', { rev: 'a1', slug: 'x', n: 7 })).toBe('a1_x    |00007');
  });

  it('a VCS requirement line with many slashes', () => {
    expect(timed(() => vcsRepositoryName(`hg+${'/s#'.repeat(40_000)}\th`)).ms).toBeLessThan(BOUND_MS);
    expect(vcsRepositoryName('-e git+https://github.com/hasgeek/lastuser.git@v1#subdirectory=x')).toBe('lastuser');
    // the user@host part is not a path segment
    expect(vcsRepositoryName('git+ssh://git@github.com/org/repo.git')).toBe('repo');
    expect(vcsRepositoryName('git+file:///srv/repos/tool')).toBe('tool');
    expect(vcsRepositoryName('git+https://host/org/a.b-c.git.git')).toBe('a.b-c.git');
    expect(vcsRepositoryName('git+https://host/org:x')).toBeUndefined();
  });

  it('a DO block with thousands of guarded ADD VALUE statements is read once, not once per statement', () => {
    const one = (i: number): string => `IF NOT EXISTS (SELECT 1 FROM pg_enum WHERE enumlabel = 'v${i}') THEN ALTER TYPE t ADD VALUE 'v${i}'; END IF;\n`;
    const body = Array.from({ length: 5000 }, (_, i) => one(i)).join('');
    const sql = `DO $$ BEGIN\n${body}END $$;`;
    const statements = [...sql.matchAll(/ALTER TYPE t ADD VALUE '(v\d+)'/g)].map((m) => ({ at: m.index, label: m[1]! }));
    const r = timed(() => plpgsqlGuards(sql, statements));
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(new Set(r.value)).toEqual(new Set(['catalog']));
    // and an unclosed quote or a long blank run before IF does not make it scan again per token
    const blanks = `DO $$ BEGIN ${"' ".repeat(20_000)}${' '.repeat(60_000)}IF ${'x '.repeat(20_000)}$$`;
    expect(timed(() => plpgsqlGuards(blanks, [{ at: blanks.length - 2, label: 'x' }])).ms).toBeLessThan(BOUND_MS);
  });
});
