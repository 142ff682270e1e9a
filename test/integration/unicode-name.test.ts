import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/python/python-tokenizer.js';
import { unicodeNameExists } from '../../src/python/unicode-name.js';
import { NAMES_DEFLATED } from '../../src/python/unicode-names-data.js';
import { cpythonCompile } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';

// `\N{…}` against CPython compiling the same string literal: every name and alias the table holds,
// the rule-named ideographs and syllables, and names a typo makes of them.

function tableNames(): string[] {
  const out: string[] = [];
  let prev = '';
  for (const entry of inflateSync(Buffer.from(NAMES_DEFLATED, 'base64')).toString('latin1').split('\n')) {
    prev = prev.slice(0, entry.charCodeAt(0) - 48) + entry.slice(1);
    out.push(prev);
  }
  return out;
}

function typo(name: string, next: () => number): string {
  const at = Math.floor(next() * name.length);
  const k = next();
  if (k < 0.25) return name.slice(0, at) + name.slice(at + 1);
  if (k < 0.5)
    return (
      name.slice(0, at) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ -0123456789'[Math.floor(next() * 38)]! + name.slice(at)
    );
  if (k < 0.75) return name.toLowerCase();
  return name.replace(/ /gu, '-');
}

describe('\\N{…} names, as CPython decodes them', () => {
  const names = tableNames();

  it('holds every name and alias of the table, and CPython knows each in a string literal', () => {
    expect(names.length).toBeGreaterThan(30_000);
    expect(names.every((n) => unicodeNameExists(n) && unicodeNameExists(n.toLowerCase()))).toBe(true);
    const sample = names.filter((_, i) => i % 7 === 0);
    const truth = cpythonCompile(sample.map((n) => `x = "\\N{${n}}"\n`));
    expect(truth.filter((t) => t !== null)).toEqual([]);
  });

  it('agrees with CPython on rule-named characters and on 6,000 misspelt names', () => {
    const next = rng(20261125);
    const cases: string[] = [
      'HANGUL SYLLABLE GA',
      'hangul syllable GAG',
      'HANGUL SYLLABLE ga',
      'HANGUL SYLLABLE GGYAE',
      'HANGUL SYLLABLE',
      'HANGUL SYLLABLE X',
      'CJK UNIFIED IDEOGRAPH-4E00',
      'cjk unified ideograph-9FFF',
      'CJK UNIFIED IDEOGRAPH-4e00',
      'CJK UNIFIED IDEOGRAPH-04E00',
      'CJK UNIFIED IDEOGRAPH-2A6DF',
      'CJK UNIFIED IDEOGRAPH-2A6E0',
      'CJK UNIFIED IDEOGRAPH-3134A',
      'CJK UNIFIED IDEOGRAPH-3134B',
      'CJK COMPATIBILITY IDEOGRAPH-F900',
      'NBSP',
      'BOM',
      'ZWSP',
      'LINE FEED',
      'EM',
      'TANGUT IDEOGRAPH-17000',
      'DASH',
    ];
    for (let k = 0; k < 6000; k++) cases.push(typo(names[Math.floor(next() * names.length)]!, next));
    const valid = cases.filter((n) => /^[A-Za-z0-9 -]+$/u.test(n));
    const truth = cpythonCompile(valid.map((n) => `x = "\\N{${n}}"\n`));
    const differ = valid.filter((n, i) => (truth[i] === null) !== unicodeNameExists(n));
    expect(differ.slice(0, 10)).toEqual([]);
    // both outcomes are exercised
    expect(truth.filter((t) => t === null).length).toBeGreaterThan(500);
    expect(truth.filter((t) => t !== null).length).toBeGreaterThan(500);
  });

  it('reports an unknown name with the message and line CPython prints', () => {
    const srcs = [
      'x = 1\ny = "\\N{EM-DASH}"\n',
      'x = f"a\\N{NO SUCH THING}"\n',
      'x = b"\\N{DASH}"\n',
      'x = r"\\N{DASH}"\n',
      'x = "\\N{em dash}"\n',
    ];
    const truth = cpythonCompile(srcs);
    srcs.forEach((src, i) => {
      const e = tokenize(src).error;
      expect(e ? { msg: e.message, line: e.line } : null, src).toEqual(truth[i]);
    });
    expect(truth.filter((t) => t !== null)).toHaveLength(2);
  });
});
