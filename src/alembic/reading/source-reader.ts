import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { envPyPath, type ProjectConfig } from '../config/alembic-config.js';
import type { ProjectFiles } from '../../project/project-files.js';
import type { SourceBytes } from '../../project/project-files.js';
import { decodeEscapingBadBytes, utf8Problem } from '../../python/python-decode.js';
import { readRevisionSource, type ReadResult } from './revision-reader.js';

/**
 * What importing a revision file's source gives before any Alembic logic runs:
 * the file could not be read, its bytes are not Python source text, or it was
 * tokenized and its module-level bindings read.
 */
export type SourceOutcome =
  | { readonly kind: 'unreadable'; readonly error: string; readonly endless?: string }
  | { readonly kind: 'undecodable'; readonly error: string; readonly line: number }
  | { readonly kind: 'read'; readonly read: ReadResult; readonly text: string };

/** Reads one revision file and statically reads its module-level bindings. */
export function readSourceFile(files: ProjectFiles, file: string): SourceOutcome {
  return sourceOutcome(files.source(file));
}

/** The outcome for bytes already in hand (an overlay, a test) or a read error; `read` reads the decoded text (the model's may use its cache). */
export function sourceOutcome(
  content: SourceBytes,
  read: (text: string, bytes: Buffer) => ReadResult = (text) => readRevisionSource(text),
): SourceOutcome {
  if ('error' in content) return { kind: 'unreadable', ...content };
  const decoded = decodePythonSource(content);
  if ('error' in decoded) return { kind: 'undecodable', error: decoded.error, line: decoded.line };
  return { kind: 'read', read: read(decoded.text, content), text: decoded.text };
}

/** What CPython before 3.11.4 raises for a NUL in source; see nullBytesForPython for later ones. */
export const NULL_BYTES = 'ValueError: source code string cannot contain null bytes';

/**
 * The exception for a NUL in source on the project's Python: 3.11.4 and later raise SyntaxError with
 * the same words (CPython gh-96670). A bare "3.11" is what Heroku resolves to its newest 3.11. Without
 * a declared Python the text stays what the Python our differential suites run (3.11.2) raises.
 */
export function nullBytesForPython(
  error: string,
  python: { readonly minor: number; readonly text: string } | null | undefined,
): string {
  if (error !== NULL_BYTES || !python) return error;
  const patch = /^3\.\d+\.(\d+)$/u.exec(python.text);
  const syntax = python.minor > 11 || (python.minor === 11 && (patch === null || Number(patch[1]) >= 4));
  return syntax ? `SyntaxError${error.slice('ValueError'.length)}` : error;
}

/**
 * The source text as compile() sees the bytes importlib reads. Without a coding cookie, or with
 * one CPython normalises to utf-8, the bytes are not decoded up front: a byte that is not UTF-8
 * stays in the text as an escaped byte (see decodeEscapingBadBytes), and the tokenizer reports it
 * only where Python would, in a string literal or a name; a comment may hold any bytes. Another
 * codec decodes the whole file first, and its failure fails the file.
 */
export function decodePythonSource(buf: Buffer): { text: string } | { error: string; line: number } {
  // the common case, checked natively: plain UTF-8, no BOM, no NUL, no coding line to honour
  if (buf[0] !== 0xef && isUtf8(buf) && !buf.includes(0) && !declaresCoding(buf))
    return { text: buf.toString('utf8') };
  if (buf.includes(0)) {
    return { error: NULL_BYTES, line: lineOfOffset(buf, buf.indexOf(0)) };
  }
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const body = bom ? buf.subarray(3) : buf;
  const declared = codingCookie(body);
  const encoding = declared === null ? 'utf-8' : normalEncodingName(declared);
  if (bom && encoding !== 'utf-8')
    return { error: `SyntaxError: encoding problem: ${encoding} with BOM`, line: 1 };
  if (encoding === 'utf-8') return { text: decodeEscapingBadBytes(body) };
  return decodeDeclared(body, encoding);
}

/** A Python file's text as Python decodes it (BOM dropped, coding line honoured); undefined when it cannot be read or decoded. */
export function readPythonText(files: ProjectFiles, abs: string): string | undefined {
  const buf = files.bytes(abs);
  if (buf === undefined) return undefined;
  const decoded = decodePythonSource(buf);
  return 'text' in decoded ? decoded.text : undefined;
}

/** env.py's text as Python decodes it; undefined when it is missing, not decodable, or the script folder is not known (envPyPath). */
export function readEnvPyText(
  config: Pick<ProjectConfig, 'scriptDir' | 'scriptDirUnresolved' | 'files'>,
): string | undefined {
  const abs = envPyPath(config);
  return abs === undefined ? undefined : readPythonText(config.files, abs);
}

/** A file whose coding line names another codec than utf-8: decoded whole, as CPython does before it tokenizes. */
function decodeDeclared(body: Buffer, encoding: string): { text: string } | { error: string; line: number } {
  // Python's codec lookup: lower case, runs of other characters than letters, digits and '.' as '_'
  const codec = encoding.toLowerCase().replace(/[^a-z0-9.]+/g, '_');
  const failAt = (message: string, at: number): { error: string; line: number } => ({
    error: `SyntaxError: ${message}`,
    line: lineOfOffset(body, at),
  });
  if (LATIN1_NAMES.has(codec)) return { text: body.toString('latin1') };
  if (ASCII_NAMES.has(codec)) {
    const bad = body.findIndex((b) => b >= 0x80);
    return bad < 0
      ? { text: body.toString('latin1') }
      : failAt(
          `'ascii' codec can't decode byte 0x${body[bad]!.toString(16)} in position ${bad}: ordinal not in range(128)`,
          bad,
        );
  }
  if (UTF8_NAMES.has(codec)) {
    // a utf-8 alias CPython does not normalise: the codec decodes the whole file, strictly
    const problem = utf8Problem(body);
    return problem === null ? { text: body.toString('utf8') } : failAt(problem.message, problem.at);
  }
  const cp1252 = CP1252_NAMES.has(codec);
  if (cp1252) {
    // WHATWG's windows-1252 maps the five bytes Python's cp1252 leaves undefined
    const bad = body.findIndex((b) => CP1252_UNDEFINED.has(b));
    if (bad >= 0)
      return failAt(
        `'charmap' codec can't decode byte 0x${body[bad]!.toString(16)} in position ${bad}: character maps to <undefined>`,
        bad,
      );
  }
  // Node's TextDecoder reads windows-1252 as Latin-1 (0x80 becomes U+0080, not €): decoded by table
  if (cp1252) return { text: decodeCp1252(body) };
  const decoder = textDecoder(codec);
  if (decoder === null) return failAt(`unknown encoding: ${encoding}`, 0);
  try {
    return { text: decoder.decode(body) };
  } catch {
    return failAt(`the file is not valid ${encoding}, the encoding its coding line declares`, 0);
  }
}

/** Python's aliases (encodings.aliases) of the codecs whose decoding differs from Node's label of the same name. */
const ASCII_NAMES: ReadonlySet<string> = new Set([
  'ascii',
  'us_ascii',
  '646',
  'us',
  'ansi_x3.4_1968',
  'ansi_x3_4_1968',
  'ansi_x3.4_1986',
  'iso646_us',
  'cp367',
  'csascii',
  'ibm367',
  'iso_ir_6',
  'iso_646.irv_1991',
]);
const LATIN1_NAMES: ReadonlySet<string> = new Set([
  'latin_1',
  'latin1',
  'latin',
  'l1',
  'iso8859_1',
  'iso_8859_1',
  '8859',
  'cp819',
  'csisolatin1',
  'ibm819',
  'iso_ir_100',
  'iso_8859_1_1987',
]);
const UTF8_NAMES: ReadonlySet<string> = new Set(['utf8', 'u8', 'utf', 'utf8_ucs2', 'utf8_ucs4', 'cp65001']);
/** Python codec names whose WHATWG label is spelt otherwise. */
const WHATWG_ALIASES: Readonly<Record<string, string>> = {
  mac_roman: 'macintosh',
  macroman: 'macintosh',
  mac_cyrillic: 'x-mac-cyrillic',
  maccyrillic: 'x-mac-cyrillic',
};
const CP1252_NAMES: ReadonlySet<string> = new Set(['cp1252', 'windows_1252', '1252']);
const CP1252_UNDEFINED: ReadonlySet<number> = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/** Python's cp1252 for 0x80-0x9f (the five undefined bytes are refused before this is called). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeCp1252(body: Buffer): string {
  const latin = body.toString('latin1');
  return /[\x80-\x9f]/u.test(latin)
    ? latin.replace(/[\x80-\x9f]/gu, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!)
    : latin;
}

/** A strict decoder for a Python codec name (normalised: lower case, '_' between words), under the WHATWG labels that name the same codec; null when none does. */
function textDecoder(codec: string): TextDecoder | null {
  const aliases = Object.hasOwn(WHATWG_ALIASES, codec) ? WHATWG_ALIASES[codec] : undefined;
  for (const label of aliases ? [aliases] : [codec.replace(/_/g, '-'), codec]) {
    try {
      return new TextDecoder(label, { fatal: true });
    } catch {
      // not a label: try the next spelling
    }
  }
  return null;
}

/** The encoding a PEP 263 cookie on line 1 or 2 names (line 2 only after a comment or blank line 1). */
function codingCookie(buf: Buffer): string | null {
  const head = buf
    .subarray(0, Math.min(buf.length, 400))
    .toString('latin1')
    .split(/\r\n|\r|\n/, 2);
  for (const [i, l] of head.entries()) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(l);
    if (m) return m[1]!;
    if (i === 0 && !/^[ \t\f]*(#.*)?$/.test(l)) break;
  }
  return null;
}

/** CPython's get_normal_name: utf-8 and latin-1 spellings it knows, else the name as written. */
function normalEncodingName(name: string): string {
  const b = name.slice(0, 12).replace(/_/g, '-').toLowerCase();
  if (b === 'utf-8' || b.startsWith('utf-8-')) return 'utf-8';
  if (
    ['latin-1', 'iso-8859-1', 'iso-latin-1'].includes(b) ||
    ['latin-1-', 'iso-8859-1-', 'iso-latin-1-'].some((p) => b.startsWith(p))
  )
    return 'iso-8859-1';
  return name;
}

const CODING = Buffer.from('coding');

/** Whether a coding cookie could be in the first two lines (PEP 263), which may name another codec. */
function declaresCoding(buf: Buffer): boolean {
  const at = buf.indexOf(CODING);
  if (at < 0 || at > 400) return false;
  let newlines = 0;
  for (let i = 0; i < at; i++) if (buf[i] === 10 && ++newlines === 2) return false;
  return true;
}

function lineOfOffset(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < buf.length; i++) if (buf[i] === 10) line++;
  return line;
}
