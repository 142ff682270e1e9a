import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectAlembicVersion } from '../../src/alembic/config/detect-alembic-version.js';
import { unguardedFileConfigCall } from '../../src/alembic/env/env-setup-facts.js';
import { interpolationErrorAt } from '../../src/alembic/env/env-url-options.js';
import { vcsRepositoryName } from '../../src/packaging/declared-imports.js';
import { inlineComment, parseIni } from '../../src/alembic/config/ini-parser.js';
import { plpgsqlGuards } from '../../src/check/lint/plpgsql-guard.js';
import { nameSuggester, templateMatcher } from '../../src/check/rules/filename-convention.js';
import { procfileReleaseLines } from '../../src/deploy/procfile-release-lines.js';
import { readRevisionSource } from '../../src/alembic/reading/revision-reader.js';
import { pyFormat } from '../../src/generate/file-template.js';
import { headerStyleOf } from '../../src/generate/placeholder.js';
import { commandProject, procfileTarget } from '../../src/deploy/procfile-target.js';
import { growthRatio, LINEAR_BOUND, tolerant } from '../helpers/growth.js';
import { tempDir } from '../helpers/temp-dir.js';
import { diskFiles } from '../../src/project/project-files.js';

/**
 * Inputs that made a pattern backtrack quadratically or cubically (found by recheck, see
 * regex-complexity.test.ts), through the functions that read them. Each is measured at two sizes in
 * this process: eight times the input must cost about eight times as much, never the 64 or 512
 * times a quadratic or cubic reading costs. A ratio, so a slow or loaded machine passes it too.
 */
const linear = (run: (n: number) => unknown, n: number): void => {
  expect(growthRatio((k) => tolerant(() => run(k)), n)).toBeLessThan(LINEAR_BOUND());
};

const tabs = (n: number): string => '\t'.repeat(n);

describe('inputs that used to take quadratic or cubic time', () => {
  it('an ini line of blanks with no delimiter, and an ini value with a long blank run', () => {
    linear((n) => parseIni(`[alembic]\nx${tabs(n)}y\n`, 'alembic.ini'), 8_000);
    linear((n) => inlineComment(tabs(n)), 8_000);
    // the answers are still configparser's
    const ini = parseIni(`[alembic]\nscript_location ${tabs(3)}=${tabs(2)} migrations \t\n`, 'alembic.ini');
    expect(ini.get('alembic', 'script_location')).toBe('migrations');
  });

  it('a value with many %( and no )', () => {
    linear((n) => interpolationErrorAt(`${'%(s'.repeat(n)})%(s)s`), 4_000);
    expect(interpolationErrorAt(`${'%(s'.repeat(30_000)})%(s)s`)).toBe(0);
    expect(interpolationErrorAt('%(here)s/%(x)s and 100%%')).toBe(-1);
    // as Python's _KEYCRE.sub: `%(b%(c)s` is one reference
    expect(interpolationErrorAt('a%(b%(c)s d%')).toBe(3);
  });

  it('a requirements file whose blank lines and blanks interleave', () => {
    const dirs = new Map<number, string>();
    const dirFor = (n: number): string => {
      if (!dirs.has(n)) {
        const dir = tempDir();
        writeFileSync(
          path.join(dir, 'requirements.txt'),
          `E${'\n\t'.repeat(n)}ALEMBIC${tabs(n)}.\nalembic == 1.13.2\n`,
        );
        dirs.set(n, dir);
      }
      return dirs.get(n)!;
    };
    linear((n) => detectAlembicVersion(diskFiles(), dirFor(n)), 500);
    // the pin is on the file's last line: 1 + 2000 blank-led lines + 1
    expect(detectAlembicVersion(diskFiles(), dirFor(2000))?.source).toBe('requirements.txt:2002');
  });

  it('an env.py logging import followed by a blank run', () => {
    linear((n) => unguardedFileConfigCall(`from logging.config import\t${tabs(n)}\u0000\n`), 500);
  });

  it('a Procfile release line with a lone CR after a blank run', () => {
    linear((n) => procfileReleaseLines(`release:${tabs(n)}x\ry\n`), 8_000);
    expect(procfileReleaseLines('release:   alembic upgrade head  \nweb: x')).toEqual([
      { text: 'alembic upgrade head', line: 1 },
    ]);
  });

  it('a heroku.yml release item with blank runs around a dash', () => {
    const dirs = new Map<number, string>();
    const dirFor = (n: number): string => {
      if (!dirs.has(n)) {
        const dir = tempDir();
        writeFileSync(
          path.join(dir, 'heroku.yml'),
          `release:\n  command:\n    -\t${tabs(n)}-${tabs(n)}\r\u0000\n`,
        );
        dirs.set(n, dir);
      }
      return dirs.get(n)!;
    };
    linear((n) => procfileTarget(diskFiles(), dirFor(n)), 500);
  });

  it('a Procfile release line of thousands of chained `cd backend &&`', () => {
    const dirs = new Map<number, string>();
    const dirFor = (n: number): string => {
      if (!dirs.has(n)) {
        const dir = tempDir();
        mkdirSync(path.join(dir, 'backend'));
        writeFileSync(
          path.join(dir, 'Procfile'),
          `release: ${'cd backend && '.repeat(n)}alembic upgrade heads\n`,
        );
        dirs.set(n, dir);
      }
      return dirs.get(n)!;
    };
    linear((n) => procfileTarget(diskFiles(), dirFor(n)), 1_000);
  });

  it('a shell line with a long blank run and no operator', () => {
    // a shell's -c line is read as the shell splits it; alembic started directly gets argv as it is
    linear((n) => commandProject(['sh', '-c', `alembic${tabs(n)}x`]), 8_000);
    expect(commandProject(['sh', '-c', 'alembic -c a.ini upgrade head && true'])).toEqual({
      config: 'a.ini',
    });
    expect(commandProject(['alembic', '-c', 'a b.ini', 'upgrade', 'head'])).toEqual({ config: 'a b.ini' });
    // `&&` given to alembic itself is an argument argparse refuses: no project read from it
    expect(commandProject(['alembic', '-c', 'a.ini', 'upgrade', 'head', '&&', 'true'])).toEqual({});
  });

  it('a docstring Revision ID line with a long blank run', () => {
    const source = (n: number): string =>
      `"""m\n\nRevision ID::${' '.repeat(n)}I\nRevises: a1   \n"""\nrevision = "b2"\ndown_revision = "a1"\n`;
    linear((n) => readRevisionSource(source(n)), 8_000);
    expect(readRevisionSource(source(60_000)).docstring?.revises).toBe('a1');
  });

  it('a revision header line whose annotation is a blank run with no =', () => {
    linear((n) => headerStyleOf(`revision:${tabs(n)}${tabs(n)}\n`), 500);
    expect(headerStyleOf('revision: str = "a1"\n').annotations).toMatchObject({ revision: 'str' });
  });

  it('a file name of digits against a dated file_template (six \\d+ fields in a row)', () => {
    const template = '%(year)d%(month).2d%(day).2d%(hour).2d%(minute).2d%(second).2d_%(rev)s_%(slug)s';
    // six fields in a row: a backtracking reading costs the sixth power of the length (8^6 at 8 times the
    // name); the matcher splits the digits in at most quadratic time (8^2), fine for a name of 255 bytes
    const quadratic = (run: (n: number) => unknown): void =>
      expect(growthRatio(run, 30)).toBeLessThan(8 ** 2.5);
    quadratic((n) => templateMatcher(template)('1'.repeat(n), 'a1'));
    quadratic((n) => nameSuggester(template)('1'.repeat(n), 'a1'));
    // the answers are the same as before
    const stem = '1'.repeat(240);
    expect(templateMatcher(template)(stem, 'a1')).toBe(false);
    expect(templateMatcher(template)('20230530202341_a1_x', 'a1')).toBe(true);
    expect(nameSuggester(template)(`${stem}_x`, 'a1')).toBe(`${stem}_a1_x`);
  });

  it('a file_template with a long run of zeros', () => {
    linear((n) => pyFormat(`%0${'0'.repeat(n)}0)%%`, {}), 3_000);
    expect(pyFormat('%(rev)s_%(slug)-5s|%(n)05d', { rev: 'a1', slug: 'x', n: 7 })).toBe('a1_x    |00007');
  });

  it('a VCS requirement line with many slashes', () => {
    linear((n) => vcsRepositoryName(`hg+${'/s#'.repeat(n)}\th`), 5_000);
    expect(vcsRepositoryName('-e git+https://github.com/hasgeek/lastuser.git@v1#subdirectory=x')).toBe(
      'lastuser',
    );
    // the user@host part is not a path segment
    expect(vcsRepositoryName('git+ssh://git@github.com/org/repo.git')).toBe('repo');
    expect(vcsRepositoryName('git+file:///srv/repos/tool')).toBe('tool');
    expect(vcsRepositoryName('git+https://host/org/a.b-c.git.git')).toBe('a.b-c.git');
    expect(vcsRepositoryName('git+https://host/org:x')).toBeUndefined();
  });

  it('a DO block with thousands of guarded ADD VALUE statements is read once, not once per statement', () => {
    const one = (i: number): string =>
      `IF NOT EXISTS (SELECT 1 FROM pg_enum WHERE enumlabel = 'v${i}') THEN ALTER TYPE t ADD VALUE 'v${i}'; END IF;\n`;
    const block = (n: number) => {
      const sql = `DO $$ BEGIN\n${Array.from({ length: n }, (_, i) => one(i)).join('')}END $$;`;
      return {
        sql,
        statements: [...sql.matchAll(/ALTER TYPE t ADD VALUE '(v\d+)'/g)].map((m) => ({
          at: m.index,
          label: m[1]!,
        })),
      };
    };
    const blocks = new Map<number, ReturnType<typeof block>>();
    const blockOf = (n: number) => blocks.get(n) ?? blocks.set(n, block(n)).get(n)!;
    linear((n) => plpgsqlGuards(blockOf(n).sql, blockOf(n).statements), 600);
    expect(new Set(plpgsqlGuards(blockOf(5000).sql, blockOf(5000).statements))).toEqual(new Set(['catalog']));
    // and an unclosed quote or a long blank run before IF does not make it scan again per token
    const blanks = (n: number): string =>
      `DO $$ BEGIN ${"' ".repeat(n)}${' '.repeat(3 * n)}IF ${'x '.repeat(n)}$$`;
    linear((n) => plpgsqlGuards(blanks(n), [{ at: blanks(n).length - 2, label: 'x' }]), 2_500);
  });
});
