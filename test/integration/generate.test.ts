import { readFileSync, writeFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRevisionSource } from '../../src/alembic/reading/revision-reader.js';
import { pyFormat, renderFileName, slugOf } from '../../src/generate/file-template.js';
import { headerStyleOf, renderPlaceholder } from '../../src/generate/placeholder.js';
import { rewireDownRevision } from '../../src/generate/rewire.js';
import { unifiedDiff } from '../../src/generate/unified-diff.js';
import { writeChanges } from '../../src/generate/write-changes.js';
import { WriteError } from '../../src/errors/errors.js';
import { PYTHON } from '../helpers/oracle.js';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/temp-dir.js';

/** What Python itself makes of a %-template, as the oracle for our formatter. */
function pythonFormat(template: string, values: Record<string, string | number>): string {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, json; print(sys.argv[1] % json.loads(sys.argv[2]), end="")',
      template,
      JSON.stringify(values),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** Alembic's own slug rule, run in Python. */
function pythonSlug(message: string, limit: number): string {
  const code =
    'import re, sys\nm, n = sys.argv[1], int(sys.argv[2])\ns = "_".join(re.compile(r"\\w+").findall(m)).lower()\nif len(s) > n:\n    s = s[:n].rsplit("_", 1)[0] + "_"\nprint(s, end="")';
  const r = spawnSync(PYTHON, ['-c', code, message, String(limit)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe('file_template', () => {
  const values = {
    rev: 'guest_lockout_001',
    slug: 'placeholder',
    epoch: 1763800000,
    year: 2026,
    month: 3,
    day: 7,
    hour: 4,
    minute: 5,
    second: 9,
  };
  it.each([
    '%(rev)s_%(slug)s',
    '%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s',
    '%(epoch)s_%(rev)s',
    '%(year)d/%(month)02d/%(rev)s',
    '%(rev).4s_%(slug)10s_%(day)-4d|',
    '100%%_%(rev)s',
  ])('formats %s exactly as Python does', (t) => {
    expect(pyFormat(t, values)).toBe(pythonFormat(t, values));
  });
  it('refuses fields Alembic does not provide instead of guessing', () => {
    expect(() => pyFormat('%(branch)s_%(rev)s', values)).toThrow(/KeyError: 'branch'/u);
    // names every JavaScript object has are no fields either
    expect(() => pyFormat('%(constructor)s_%(rev)s', values)).toThrow(/KeyError: 'constructor'/u);
    expect(() => pyFormat('%(__proto__)s_%(rev)s', values)).toThrow(/KeyError: '__proto__'/u);
  });
  it.each([
    ['placeholder', 40],
    ['Add guest lockout; and more words than forty characters allow', 40],
    ['ünïcode wörds ok', 40],
    ['x', 0],
  ] as const)('slugs %s like Alembic', (m, n) => {
    expect(slugOf(m, n)).toBe(pythonSlug(m, n === 0 ? 40 : n));
  });
  it('names the file from the template', () => {
    expect(renderFileName('%(rev)s_%(slug)s', 'abc', 'placeholder', new Date(Date.UTC(2026, 0, 2)))).toBe(
      'abc_placeholder.py',
    );
  });
});

const TYPED = `"""add users

Revision ID: b2
Revises: a1
Create Date: 2025-10-01 09:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b2"
down_revision: Union[str, Sequence[str], None] = "a1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("UPDATE t SET down_revision = 'a1'")  # not the assignment
`;

describe('placeholder', () => {
  it('copies the typed header style of the project and reads back as the intended revision', () => {
    const style = headerStyleOf(TYPED);
    expect(style).toMatchObject({
      quote: '"',
      returnAnnotations: true,
      typingImport: 'from typing import Sequence, Union',
    });
    const text = renderPlaceholder(
      {
        revision: 'g1',
        downRevisions: ['a1'],
        seen: ['database postgresql db.example.com:5432/app'],
        placement: '--after a1',
        createdAt: new Date(0),
      },
      style,
    );
    expect(text).toContain('revision: str = "g1"');
    expect(text).toContain('down_revision: Union[str, Sequence[str], None] = "a1"');
    expect(text).toContain('def upgrade() -> None:\n    pass');
    const read = readRevisionSource(text);
    expect(read.fields.revision?.value).toEqual({ t: 'str', v: 'g1' });
    expect(read.fields.down_revision?.value).toEqual({ t: 'str', v: 'a1' });
    expect(read.docstring?.revises).toBe('a1');
  });
  it('is valid Python that imports with the placeholder values (merge parents too)', () => {
    const text = renderPlaceholder({
      revision: 'g2',
      downRevisions: ['a1', 'b2'],
      seen: ['named with --revision'],
      placement: '--after',
      createdAt: new Date(0),
    });
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        'import sys; ns = {}; exec(sys.stdin.read(), ns); print(ns["revision"], ns["down_revision"], ns["upgrade"](), ns["downgrade"]())',
      ],
      { input: text, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe("g2 ('a1', 'b2') None None");
  });
});

describe('rewire', () => {
  it('changes only the down_revision literal and the Revises: line, byte for byte', () => {
    const buf = Buffer.from(TYPED, 'utf8');
    const r = rewireDownRevision(buf, 'a1', 'g1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.changedLines).toEqual([4, 16]);
    expect(r.content.toString('utf8')).toBe(
      TYPED.replace('Revises: a1', 'Revises: g1').replace('None] = "a1"', 'None] = "g1"'),
    );
  });
  it('keeps CRLF line ends, a BOM and the other tuple members', () => {
    const src =
      '\ufeff"""m\r\n\r\nRevises: a1, c3\r\n"""\r\nrevision = \'m4\'\r\ndown_revision = (\r\n    \'a1\',  # first\r\n    "c3",\r\n)\r\n';
    const r = rewireDownRevision(Buffer.from(src, 'utf8'), 'a1', 'g1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(
      r.content.equals(
        Buffer.from(src.replace('Revises: a1', 'Revises: g1').replace("'a1',", "'g1',"), 'utf8'),
      ),
    ).toBe(true);
  });
  it('uses the last module-level assignment, never one in a function or a string', () => {
    const src =
      "revision = 'x'\ndown_revision = 'a1'\ndef f():\n    down_revision = 'a1'\ndown_revision = 'a1'  # wins\n";
    const r = rewireDownRevision(Buffer.from(src), 'a1', 'g1');
    expect(r.ok && r.content.toString()).toBe(
      "revision = 'x'\ndown_revision = 'a1'\ndef f():\n    down_revision = 'a1'\ndown_revision = 'g1'  # wins\n",
    );
  });
  it.each([
    ['down_revision = PARENT\n', /not a plain literal/u],
    ["down_revision = 'a' '1'\n", /implicit string concatenation/u],
    ["down_revision = 'b2'\n", /does not name 'a1'/u],
    ["down_revision = ('a1', 'a1')\n", /more than once/u],
    ["down_revision = b'a1'\n", /does not name 'a1'|cannot be rewritten/u],
  ])('refuses what it cannot edit exactly: %j', (src, why) => {
    const r = rewireDownRevision(Buffer.from(src), 'a1', 'g1');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });
  it('refuses a file that is not UTF-8', () => {
    const latin = Buffer.concat([
      Buffer.from('# -*- coding: latin-1 -*-\n# caf'),
      Buffer.from([0xe9]),
      Buffer.from("\ndown_revision = 'a1'\n"),
    ]);
    const r = rewireDownRevision(latin, 'a1', 'g1');
    expect(r.ok).toBe(false);
  });
});

describe('unified diff', () => {
  it('prints git-style hunks, and what `git apply` accepts', () => {
    const dir = tempDir('preflight-diff-');
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 3\n', 'line three\n').replace('line 18\n', 'line eighteen\n');
    writeFileSync(path.join(dir, 'f.txt'), before);
    const diff = unifiedDiff('f.txt', before, after);
    expect(diff).toContain('@@ -1,6 +1,6 @@');
    const r = spawnSync('git', ['apply', '--unsafe-paths', '-'], { cwd: dir, input: diff, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe(after);
    const created = unifiedDiff('new.txt', null, 'a\nb\n');
    const c = spawnSync('git', ['apply', '-'], { cwd: dir, input: created, encoding: 'utf8' });
    expect(c.stderr).toBe('');
    expect(readFileSync(path.join(dir, 'new.txt'), 'utf8')).toBe('a\nb\n');
  });
});

describe('atomic writes', () => {
  it('never overwrites an existing file and leaves the tree as it was', () => {
    const dir = tempDir('preflight-write-');
    const edited = path.join(dir, 'child.py');
    writeFileSync(edited, 'old');
    chmodSync(edited, 0o640);
    writeFileSync(path.join(dir, 'taken.py'), 'mine');
    expect(() =>
      writeChanges([
        { absPath: edited, before: Buffer.from('old'), after: Buffer.from('new') },
        { absPath: path.join(dir, 'taken.py'), before: null, after: Buffer.from('theirs') },
      ]),
    ).toThrow(WriteError);
    expect(readFileSync(edited, 'utf8')).toBe('old');
    expect(readFileSync(path.join(dir, 'taken.py'), 'utf8')).toBe('mine');
    expect(readdirSync(dir).sort()).toEqual(['child.py', 'taken.py']);
  });
  it('refuses when a file changed since planning, and undo restores edits and removes new files', () => {
    const dir = tempDir('preflight-write-');
    const edited = path.join(dir, 'child.py');
    writeFileSync(edited, 'changed by someone else');
    expect(() =>
      writeChanges([{ absPath: edited, before: Buffer.from('old'), after: Buffer.from('new') }]),
    ).toThrow(/changed while we were planning/u);
    writeFileSync(edited, 'old');
    chmodSync(edited, 0o640);
    const undo = writeChanges([
      { absPath: edited, before: Buffer.from('old'), after: Buffer.from('new') },
      { absPath: path.join(dir, 'placeholder.py'), before: null, after: Buffer.from('p') },
    ]);
    expect(readFileSync(edited, 'utf8')).toBe('new');
    expect(readFileSync(path.join(dir, 'placeholder.py'), 'utf8')).toBe('p');
    undo();
    expect(readFileSync(edited, 'utf8')).toBe('old');
    expect(existsSync(path.join(dir, 'placeholder.py'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['child.py']);
  });
  it('undo never writes over bytes someone else put there after us', () => {
    const dir = tempDir('preflight-write-');
    const edited = path.join(dir, 'child.py');
    writeFileSync(edited, 'old');
    const undo = writeChanges([
      { absPath: edited, before: Buffer.from('old'), after: Buffer.from('new') },
      { absPath: path.join(dir, 'placeholder.py'), before: null, after: Buffer.from('p') },
    ]);
    writeFileSync(edited, 'an editor saved this');
    writeFileSync(path.join(dir, 'placeholder.py'), 'edited by hand');
    undo();
    expect(readFileSync(edited, 'utf8')).toBe('an editor saved this');
    expect(readFileSync(path.join(dir, 'placeholder.py'), 'utf8')).toBe('edited by hand');
  });
  it('a read-only folder is a write error (exit 73) that says so, and nothing is left behind', () => {
    if (process.getuid?.() === 0) {
      // root writes through permission bits: a read-only bind is not available here, so a file stands where the folder should be
      const dir = tempDir('preflight-write-');
      writeFileSync(path.join(dir, 'versions'), 'not a folder');
      const e = (() => {
        try {
          writeChanges([
            { absPath: path.join(dir, 'versions', 'placeholder.py'), before: null, after: Buffer.from('p') },
          ]);
        } catch (err) {
          return err as WriteError;
        }
        throw new Error('wrote into a file');
      })();
      expect(e).toBeInstanceOf(WriteError);
      expect(e.exitCode).toBe(73);
      expect(e.message).toMatch(/^Cannot write in .* \((ENOTDIR|EEXIST)/u);
      expect(readdirSync(dir)).toEqual(['versions']);
      return;
    }
    const dir = tempDir('preflight-write-');
    chmodSync(dir, 0o555);
    expect(() =>
      writeChanges([{ absPath: path.join(dir, 'placeholder.py'), before: null, after: Buffer.from('p') }]),
    ).toThrow(/Cannot write in .* \(EACCES: permission denied\); nothing was written/u);
    chmodSync(dir, 0o755);
    expect(readdirSync(dir)).toEqual([]);
  });
});
