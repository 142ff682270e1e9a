import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/python/python-tokenizer.js';
import { readRevisionSource } from '../../src/alembic/reading/revision-reader.js';
import { decodePythonSource } from '../../src/alembic/reading/source-reader.js';
import type { PyValue } from '../../src/python/python-value.js';

/** A tiny deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  "revision = 'abc123'\n",
  'revision: str = "r_001"\n',
  "down_revision = ('a1', 'b2',)\n",
  'down_revision = [\n    "x9",  # c\n]\n',
  'down_revision = None\n',
  "branch_labels = 'core'\n",
  "depends_on = ('dep1',)\n",
  '"""doc\n\nRevision ID: zz\nRevises: yy\n"""\n',
  'def upgrade():\n    revision = "inner"\n    op.execute("down_revision = \'sql\'")\n',
  'if X:\n    revision = "cond"\n',
  "x = f'{y}'\n",
  '# revision = "comment"\n',
  'class K:\n    down_revision = "cls"\n',
  "revision = 'a' 'b'\n",
  'revision = PREFIX + "1"\n',
  'from app.ids import BASE\n',
  '\\\n',
  '(',
  ')',
  "'''",
  '"',
  '\t',
  '    ',
  '\r\n',
  '\u00e9\u4e2d',
  '\x00',
  '@decorator\n',
  'revision = b"bytes"\n',
  'revision = 0x1f\n',
  'async def f():\n    x = 1\n',
  'def g(): revision = "one_line"\n',
  '    def h():\n        pass\n',
  'class C(\n    Base):\n    y = """\nrevision = \'in_str\'\n"""\n',
  'def __getattr__(name):\n    return "z"\n',
  'x = 1e+5 + 0x1e+5 + 1_0.5j\n',
  'a **= b; c //= d; e >>= f; g <<= h; i != j; k -> l; m := n; ...\n',
  '$?!`\n',
  'rb"x" Rb"y" bR"z" tr"w" ur"v"\n',
  // bodies the tokenizer skips: its fast path must report errors exactly where the general loop does
  'def s():\n    q = rb"open\n',
  "def t():\n    u = (1, ]\n    f'{x}' x1'y' \u00e9f'z'\n",
  'def w():\n    if a != b: c := d\n    e ! f\n',
];

function isSubsequence(needle: string, hay: string): boolean {
  let i = 0;
  for (const ch of hay) if (i < needle.length && ch === needle[i]) i++;
  return i === needle.length;
}

function strings(v: PyValue, out: string[] = []): string[] {
  if (v.t === 'str') out.push(v.v);
  if (v.t === 'tuple' || v.t === 'list') for (const i of v.items) strings(i, out);
  return out;
}

describe('static reader fuzz', () => {
  it('never throws and never invents a value on 12,000 generated and mutated files', () => {
    const next = rng(20251022);
    let known = 0;
    let errors = 0;
    for (let i = 0; i < 12_000; i++) {
      let src = '';
      const parts = 1 + Math.floor(next() * 12);
      for (let k = 0; k < parts; k++) src += PIECES[Math.floor(next() * PIECES.length)];
      // byte-level mutations: delete, duplicate or flip a character
      const muts = Math.floor(next() * 4);
      for (let m = 0; m < muts && src.length > 0; m++) {
        const at = Math.floor(next() * src.length);
        const op = next();
        if (op < 0.33) src = src.slice(0, at) + src.slice(at + 1);
        else if (op < 0.66) src = src.slice(0, at) + src[at] + src.slice(at);
        else src = src.slice(0, at) + String.fromCharCode(Math.floor(next() * 128)) + src.slice(at + 1);
      }
      const decoded = decodePythonSource(Buffer.from(src, 'utf8'));
      if ('error' in decoded) continue;
      const r = readRevisionSource(decoded.text);
      // skipping def/class bodies must change nothing: same fields, docstring, imports, syntax error
      expect(r, JSON.stringify(src)).toEqual(readRevisionSource(decoded.text, { skipBodies: false }));
      // and the tokenizer's fast path over skipped bodies reports the same error at the same place
      expect(tokenize(decoded.text, { skipBodies: true }).error, JSON.stringify(src)).toEqual(
        tokenize(decoded.text).error,
      );
      if (tokenize(decoded.text).error) errors++;
      for (const b of Object.values(r.fields)) {
        // every known string must be spelled out in the source: nothing invented
        for (const s of strings(b!.value)) {
          // the value's letters and digits must appear in the source in order (implicit concatenation joins them)
          expect(
            isSubsequence(s.replace(/[^A-Za-z0-9_]/g, ''), src),
            `${JSON.stringify(s)} not in ${JSON.stringify(src)}`,
          ).toBe(true);
          known++;
        }
        expect(b!.line).toBeGreaterThanOrEqual(1);
      }
    }
    expect(known).toBeGreaterThan(1000);
    expect(errors).toBeGreaterThan(1000);
  });
});
