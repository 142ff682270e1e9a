import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/python/python-tokenizer.js';
import { cpythonCompile, type CompileOutcome } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';
import { nestedProgram } from '../helpers/nested-program.js';

/**
 * CPython's two nesting limits, against Debian's CPython 3.11: 200 brackets open at once (its
 * tokenizer's MAXLEVEL) and 20 statically nested blocks per code object (its compiler's). Our
 * verdict on Python 3.11 is the static error, or a "needs 3.13" entry whose message 3.11 prints;
 * the nesting limits' messages are CPython's, other errors' lines are compared.
 */
function verdictOn311(src: string): CompileOutcome {
  const r = tokenize(src, { skipBodies: true });
  if (r.error) return { msg: r.error.message, line: r.error.line };
  const newer = (r.newer ?? []).find((n) => n.since > 11 && n.message !== undefined);
  return newer ? { msg: newer.message!, line: newer.line } : null;
}

/** A verdict's line, and its message where it is a nesting limit's. */
function limitOrLine(v: CompileOutcome): unknown {
  if (v === null) return null;
  return /^too many/u.test(v.msg) ? v : { line: v.line };
}

describe("CPython's nesting limits", () => {
  it("200 brackets open at once are allowed, 201 are the tokenizer's error, at the bracket past the limit", () => {
    const cases = ['(', '[', '{'].flatMap((o) => {
      const close = o === '(' ? ')' : o === '[' ? ']' : '}';
      return [200, 201].map((n) => `x = ${o.repeat(n)}${close.repeat(n)}\n`);
    });
    cases.push(`def upgrade():\n    op.execute(\n${'('.repeat(201)}'x'${')'.repeat(201)})\n`);
    const truth = cpythonCompile(cases);
    expect(truth.map((t) => t?.msg ?? null)).toEqual([
      null,
      'too many nested parentheses',
      null,
      'too many nested parentheses',
      null,
      'too many nested parentheses',
      'too many nested parentheses',
    ]);
    expect(cases.map(verdictOn311)).toEqual(truth.map((t) => (t ? { msg: t.msg, line: t.line } : null)));
  });

  it('statically nested blocks: the same verdict and line as CPython on 600 random programs of every kind of block', () => {
    const next = rng(20261126);
    const cases = Array.from({ length: 600 }, () => nestedProgram(next, 18 + Math.floor(next() * 18)));
    const truth = cpythonCompile(cases);
    const differ: string[] = [];
    let rejected = 0;
    cases.forEach((src, i) => {
      const t = truth[i] ? { msg: truth[i]!.msg, line: truth[i]!.line } : null;
      if (t) rejected++;
      const ours = limitOrLine(verdictOn311(src));
      if (JSON.stringify(ours) !== JSON.stringify(limitOrLine(t)))
        differ.push(`ours ${JSON.stringify(ours)}, CPython ${JSON.stringify(t)}:\n${src}`);
    });
    expect(differ.slice(0, 3)).toEqual([]);
    // the programs reach the limit often enough to test it, and stay under it often enough too
    expect(rejected).toBeGreaterThan(100);
    expect(rejected).toBeLessThan(500);
  });

  it('a with of 21 items, and a file the limit allows only from 3.13 on, are told apart', () => {
    const items = `with ${Array.from({ length: 21 }, (_, i) => `a${i}`).join(', ')}:\n    pass\n`;
    expect(cpythonCompile([items])[0]).toEqual({ msg: 'too many statically nested blocks', line: 1 });
    expect(verdictOn311(items)).toEqual({ msg: 'too many statically nested blocks', line: 1 });
    // 21 loops: over 3.12's limit of 20, within 3.13's of 21
    const loops =
      Array.from({ length: 21 }, (_, i) => `${'    '.repeat(i)}for x${i} in y:`).join('\n') +
      `\n${'    '.repeat(21)}pass\n`;
    const r = tokenize(loops, { skipBodies: true });
    expect(r.error).toBeUndefined();
    expect(r.newer).toEqual([
      {
        since: 13,
        feature: 'more than 20 statically nested blocks',
        line: 21,
        message: 'too many statically nested blocks',
      },
    ]);
  });
});
