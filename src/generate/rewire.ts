import { decodePythonSource } from '../alembic/reading/source-reader.js';
import { Tok, tokenize, type Token } from '../python/python-tokenizer.js';
import { evalStringLiteral } from '../python/string-literal.js';
import { lineOf, lineStarts } from '../python/line-starts.js';

export type RewireResult =
  | {
      readonly ok: true;
      readonly content: Buffer;
      readonly changedLines: readonly number[];
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly reason: string; readonly line?: number };

/**
 * Replaces `from` with `to` in a revision file's final module-level
 * `down_revision` assignment and in its docstring's `Revises:` line. Every
 * other byte stays as it was; anything we cannot edit exactly (a computed
 * value, implicit concatenation, a non-UTF-8 file) is refused.
 */
export function rewireDownRevision(buf: Buffer, from: string, to: string): RewireResult {
  const decoded = decodePythonSource(buf);
  if ('error' in decoded)
    return { ok: false, reason: `the file does not decode (${decoded.error})`, line: decoded.line };
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  if (!bom && !Buffer.from(decoded.text, 'utf8').equals(buf))
    return { ok: false, reason: 'the file is not UTF-8, so it cannot be edited byte-exactly' };
  const src = decoded.text;
  const tokens = tokenize(src);
  if (tokens.error)
    return {
      ok: false,
      reason: `the file has a syntax error (${tokens.error.message})`,
      line: tokens.error.line,
    };
  const starts = lineStarts(src);
  const offsetOf = (t: Token): number => starts[t.line - 1]! + t.col;

  // the last module-level binding of down_revision is the one Python keeps
  const bindings = tokens.lines.filter(
    (l) =>
      l.indent === 0 &&
      l.tokens[0]?.type === Tok.Name &&
      l.tokens[0].text === 'down_revision' &&
      isAssignment(l.tokens),
  );
  const binding = bindings[bindings.length - 1];
  if (!binding) return { ok: false, reason: 'no module-level down_revision assignment' };
  const eq = binding.tokens.findIndex((t) => t.type === Tok.Op && t.text === '=');
  const value = binding.tokens.slice(eq + 1);
  const strings = value.filter((t) => t.type === Tok.String);
  for (let i = 1; i < value.length; i++) {
    if (value[i]!.type === Tok.String && value[i - 1]!.type === Tok.String) {
      return { ok: false, reason: 'down_revision uses implicit string concatenation', line: binding.line };
    }
  }
  if (
    value.some((t) => t.type === Tok.Name && t.text !== 'None') ||
    value.some((t) => t.type === Tok.Op && !['(', ')', '[', ']', ','].includes(t.text))
  ) {
    return {
      ok: false,
      reason: `down_revision is not a plain literal (${value.map((t) => t.text).join(' ')})`,
      line: binding.line,
    };
  }
  const hits = strings.filter((t) => {
    const v = evalStringLiteral(t.text);
    return v.t === 'str' && v.v === from;
  });
  if (hits.length !== 1) {
    return {
      ok: false,
      reason:
        hits.length === 0
          ? `down_revision does not name '${from}'`
          : `down_revision names '${from}' more than once`,
      line: binding.line,
    };
  }
  const hit = hits[0]!;
  const replacement = requote(hit.text, to);
  if (replacement === undefined)
    return {
      ok: false,
      reason: `down_revision's string form (${hit.text}) cannot be rewritten safely`,
      line: hit.line,
    };
  const edits: { at: number; length: number; text: string; line: number }[] = [];
  const at = offsetOf(hit);
  if (!src.startsWith(hit.text, at))
    return { ok: false, reason: 'internal: token position mismatch', line: hit.line };
  edits.push({ at, length: hit.text.length, text: replacement, line: hit.line });

  const notes: string[] = [];
  const doc = firstDocstring(tokens.lines.map((l) => l.tokens));
  if (doc) {
    const docAt = offsetOf(doc);
    const body = src.slice(docAt, docAt + doc.text.length);
    const m = /^([ \t]*Revises:[ \t]*)([^\r\n]*)$/mu.exec(body);
    if (m) {
      const listStart = docAt + m.index + m[1]!.length;
      const parts = [...m[2]!.matchAll(/[^,\s]+/gu)];
      const same = parts.filter((p) => p[0] === from);
      if (same.length === 1) {
        const p = same[0]!;
        edits.push({
          at: listStart + p.index,
          length: from.length,
          text: to,
          line: lineOf(starts, listStart),
        });
      } else {
        notes.push(`the docstring's Revises: line does not list '${from}' and was left as it is`);
      }
    }
  }
  edits.sort((a, b) => b.at - a.at);
  let out = src;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at + e.length);
  const body = Buffer.from(out, 'utf8');
  const content = bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
  return {
    ok: true,
    content,
    changedLines: [...new Set(edits.map((e) => e.line))].sort((a, b) => a - b),
    notes,
  };
}

function isAssignment(tokens: readonly Token[]): boolean {
  const second = tokens[1];
  if (!second || second.type !== Tok.Op) return false;
  if (second.text === '=') return true;
  // annotated: down_revision: <annotation> = value
  return second.text === ':' && tokens.some((t, i) => i > 1 && t.type === Tok.Op && t.text === '=');
}

/** Same prefix and quotes, new content; only for ids that need no escaping. */
function requote(raw: string, to: string): string | undefined {
  const m = /^([A-Za-z]*)('''|"""|'|")/u.exec(raw);
  if (!m) return undefined;
  const [, prefix = '', quote = "'"] = m;
  if (/[bf]/iu.test(prefix)) return undefined;
  if (to.includes('\\') || to.includes(quote[0]!) || /[\r\n]/u.test(to)) return undefined;
  return `${prefix}${quote}${to}${quote}`;
}

function firstDocstring(lines: readonly (readonly Token[])[]): Token | undefined {
  const first = lines[0];
  if (first && first.length === 1 && first[0]!.type === Tok.String) return first[0];
  return undefined;
}
