import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, REPO } from '../helpers/oracle.js';

// Real code the machine has (Python's standard library, and SQLAlchemy and Alembic from Debian's packages):
// every file is read by our static reader and compiled by CPython; a file we call broken that CPython
// compiles would block a good deploy. scripts/syntax-corpus.mjs runs the same on any folder.
describe('syntax errors on real code, against CPython', () => {
  it('calls no file broken that CPython compiles, and sees each broken one', () => {
    const roots = ['/usr/lib/python3.11', '/usr/lib/python3/dist-packages'].filter((d) => existsSync(d));
    const r = spawnSync(
      process.execPath,
      [path.join(REPO, 'scripts/syntax-corpus.mjs'), '--all', '--python', PYTHON, ...roots],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const summary =
      /(\d+) files read, (\d+) with a syntax error: (\d+) false positives, (\d+) at another line, (\d+) misses/u.exec(
        r.stdout,
      );
    expect(summary, r.stdout + r.stderr).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThan(1000);
    expect({ status: r.status, report: r.stdout.split('\n').slice(-20).join('\n') }).toEqual({
      status: 0,
      report: expect.stringContaining('0 false positives, 0 at another line, 0 misses'),
    });
  }, 120_000);
});
