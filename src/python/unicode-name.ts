import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { CJK_RANGES, NAMES_DEFLATED } from './unicode-names-data.js';

// CPython's \N{…} lookup (unicodedata's _getcode): a name or alias, in any ASCII case; Hangul
// syllables and CJK unified ideographs by rule, their prefixes in upper case. The table is CPython
// 3.11's (Unicode 14.0).

const HANGUL = 'HANGUL SYLLABLE ';
const CJK = 'CJK UNIFIED IDEOGRAPH-';
const JAMO_L = [
  'G',
  'GG',
  'N',
  'D',
  'DD',
  'R',
  'M',
  'B',
  'BB',
  'S',
  'SS',
  '',
  'J',
  'JJ',
  'C',
  'K',
  'T',
  'P',
  'H',
];
const JAMO_V = [
  'A',
  'AE',
  'YA',
  'YAE',
  'EO',
  'E',
  'YEO',
  'YE',
  'O',
  'WA',
  'WAE',
  'OE',
  'YO',
  'U',
  'WEO',
  'WE',
  'WI',
  'YU',
  'EU',
  'YI',
  'I',
];
const JAMO_T = [
  '',
  'G',
  'GG',
  'GS',
  'N',
  'NJ',
  'NH',
  'D',
  'L',
  'LG',
  'LM',
  'LB',
  'LS',
  'LT',
  'LP',
  'LH',
  'M',
  'B',
  'BS',
  'S',
  'SS',
  'NG',
  'J',
  'C',
  'K',
  'T',
  'P',
  'H',
];

let names: ReadonlySet<string> | null = null;
// node:zlib costs a run about 5 ms to load, and only a file with a \N escape needs it
const requireBuiltin = createRequire(import.meta.url);

/** The table, unpacked on first use: most files hold no \N escape. */
function nameTable(): ReadonlySet<string> {
  if (names !== null) return names;
  const set = new Set<string>();
  let prev = '';
  for (const entry of (requireBuiltin('node:zlib') as typeof Zlib)
    .inflateSync(Buffer.from(NAMES_DEFLATED, 'base64'))
    .toString('latin1')
    .split('\n')) {
    prev = prev.slice(0, entry.charCodeAt(0) - 48) + entry.slice(1);
    set.add(prev);
  }
  names = set;
  return set;
}

/** The longest jamo of `column` at `at` (the empty one always matches), compared as CPython does: case-sensitively. */
function jamoEnd(s: string, at: number, column: readonly string[]): number {
  let best = -1;
  for (const j of column) if (j.length > best && s.startsWith(j, at)) best = j.length;
  return best < 0 ? -1 : at + best;
}

function hangulSyllable(rest: string): boolean {
  let at = jamoEnd(rest, 0, JAMO_L);
  if (at >= 0) at = jamoEnd(rest, at, JAMO_V);
  if (at >= 0) at = jamoEnd(rest, at, JAMO_T);
  return at === rest.length;
}

function unifiedIdeograph(hex: string): boolean {
  // four or five upper-case hex digits (CPython reads no lower-case ones here)
  if (!/^[0-9A-F]{4,5}$/u.test(hex)) return false;
  const cp = parseInt(hex, 16);
  for (let i = 0; i < CJK_RANGES.length; i += 2)
    if (cp >= CJK_RANGES[i]! && cp <= CJK_RANGES[i + 1]!) return true;
  return false;
}

/** Whether CPython's `\N{name}` escape knows `name` (letters, digits, spaces and hyphens). */
export function unicodeNameExists(name: string): boolean {
  // the two rule-named prefixes match in upper case only; written otherwise they are looked up as names
  if (name.startsWith(HANGUL)) return hangulSyllable(name.slice(HANGUL.length));
  if (name.startsWith(CJK)) return unifiedIdeograph(name.slice(CJK.length));
  return nameTable().has(name.toUpperCase());
}
