import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readRevisionFast } from '../../src/alembic/reading/fast-revision-reader.js';
import { readRevisionSourceFaithful } from '../../src/alembic/reading/revision-reader.js';
import { newerSyntaxIssue } from '../../src/alembic/reading/newer-syntax.js';
import { tokenize } from '../../src/python/python-tokenizer.js';
import { cpythonCompile, PYTHON } from '../helpers/oracle.js';
import { INVALID, PYTHON_312, UNKNOWN_NAMES, VALID } from '../fixtures/python-cases.js';

// The syntax errors the static reader reports, against CPython's own compile(): a file Python
// rejects makes Alembic fail on every command, and one Python accepts must never be reported (that
// would block a good release). The reader names the line; Python's words are the interpreter's.

/** The line of our error, or null. */
const ours = (src: string, skipBodies: boolean) => tokenize(src, { skipBodies }).error?.line ?? null;

describe('syntax errors against CPython', () => {
  it('accepts what CPython accepts and rejects what it rejects, in bodies and at module level, mostly at its line', () => {
    const all = [...VALID, ...INVALID];
    const truth = cpythonCompile(all);
    let sameLine = 0;
    const otherLine: string[] = [];
    all.forEach((src, i) => {
      const expected = truth[i]!;
      expect(expected === null, `the case list itself: ${JSON.stringify(src)}`).toBe(i < VALID.length);
      for (const skipBodies of [true, false]) {
        const line = ours(src, skipBodies);
        expect(line === null, `${JSON.stringify(src)} (skipBodies ${skipBodies})`).toBe(expected === null);
        if (expected === null) continue;
        if (line === expected.line) sameLine++;
        else otherLine.push(`${JSON.stringify(src)}: ours ${line}, CPython ${expected.line}`);
      }
      // the revision reader's fast path clears only what CPython compiles, and reads it as the faithful reader does
      const fast = readRevisionFast(src);
      if (fast) {
        expect(expected, `the fast path cleared ${JSON.stringify(src)}`).toBeNull();
        expect(fast, JSON.stringify(src)).toEqual(readRevisionSourceFaithful(src));
      }
    });
    // where CPython names another line it is a neighbour: a literal's first line for the token after
    // it, the operand after a missing comma, the end of a block for its header
    expect(otherLine.length, otherLine.slice(0, 5).join('\n')).toBeLessThan(INVALID.length * 2 * 0.08);
    expect(sameLine).toBeGreaterThan(INVALID.length * 2 * 0.92);
  });

  it('leaves a well-formed \\N{…} name to the interpreter: accepted here, refused by CPython for its name', () => {
    const truth = cpythonCompile(UNKNOWN_NAMES);
    UNKNOWN_NAMES.forEach((src, i) => {
      expect(truth[i]?.msg, JSON.stringify(src)).toMatch(/unknown Unicode character name/u);
      for (const skipBodies of [true, false]) expect(ours(src, skipBodies), JSON.stringify(src)).toBeNull();
    });
  });

  it('accepts the f-strings and type syntax of Python 3.12 and later', () => {
    const truth = cpythonCompile(PYTHON_312);
    const modern =
      execFileSync(PYTHON, ['-c', 'import sys; print(sys.version_info >= (3, 12))'], {
        encoding: 'utf8',
      }).trim() === 'True';
    PYTHON_312.forEach((src, i) => {
      // on an older Python they are errors, but the deploy may run a newer one: we cannot tell, so we never block on them
      if (modern && !src.startsWith('x = t"')) expect(truth[i], src).toBeNull();
      for (const skipBodies of [true, false]) {
        expect(ours(src, skipBodies), src).toBeNull();
        const newer = tokenize(src, { skipBodies }).newer ?? [];
        expect(
          newer.some((u) => u.since > 11),
          src,
        ).toBe(true);
        // named where 3.11 fails, or before
        const issue = newerSyntaxIssue(newer, { minor: 11, text: '3.11', source: 'test' }, undefined)!;
        if (!modern && truth[i]) expect(issue.use.line, src).toBeLessThanOrEqual(truth[i].line);
      }
    });
  });

  it('reads a keyword followed by a non-ASCII letter as a name, wherever a name may stand', () => {
    const keywords = [
      'and',
      'as',
      'assert',
      'async',
      'await',
      'break',
      'class',
      'continue',
      'def',
      'del',
      'elif',
      'else',
      'except',
      'finally',
      'for',
      'from',
      'global',
      'if',
      'import',
      'in',
      'is',
      'lambda',
      'nonlocal',
      'not',
      'or',
      'pass',
      'raise',
      'return',
      'try',
      'while',
      'with',
      'yield',
      'match',
      'case',
      'type',
      'True',
      'None',
      'False',
    ];
    const templates = [
      'K = 1',
      'x = K',
      'K(a)',
      'x = a.K',
      'f(K=1)',
      'import K',
      'from a import K',
      'K, b = 1, 2',
      'x = [K for K in y]',
      'K: int = 1',
      'del K',
      'x = K + 1; y = 2',
      'x = lambda K: K',
      'K.x = 1',
      'K[0] = 1',
      'assert K',
    ];
    const cases = keywords
      .flatMap((k) => templates.flatMap((t) => [t.replaceAll('K', `${k}é`), t.replaceAll('K', `${k}ø`)]))
      .flatMap((s) => [`${s}\n`, `def f():\n    ${s}\n`]);
    const truth = cpythonCompile(cases);
    cases.forEach((src, i) => {
      for (const skipBodies of [true, false])
        expect(ours(src, skipBodies), `${JSON.stringify(src)} (skipBodies ${skipBodies})`).toEqual(
          truth[i]?.line ?? null,
        );
    });
  });

  it('finds the first error in file order, after valid bodies', () => {
    const src =
      'def upgrade():\n    op.add_column("t", sa.Column("a", sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column("t" "a")\n    print "done"\n';
    expect(cpythonCompile([src])[0]).toEqual({
      msg: "Missing parentheses in call to 'print'. Did you mean print(...)?",
      line: 7,
    });
    expect(ours(src, true)).toBe(7);
  });
});
