import { Tok, tokenize, type Token } from './python-tokenizer.js';
import { evalStringLiteral } from './string-literal.js';

/** A keyword argument of `context.configure(...)` in env.py that decides where Alembic keeps its version rows. */
export interface EnvSetting {
  /** The literal value; undefined when it is not a plain string literal (or `None`). */
  readonly value: string | null | undefined;
  readonly line: number;
  /** Source text of a value we could not evaluate. */
  readonly expression?: string;
}

/** One `*.configure(...)` call and the two settings it passes. */
export interface ConfigureCall {
  readonly line: number;
  readonly versionTable?: EnvSetting;
  readonly versionTableSchema?: EnvSetting;
  /** Its first `**expr` argument (Flask-Migrate's env.py passes `**…configure_args`), which may carry either setting. */
  readonly unpacked?: { readonly expression: string; readonly line: number };
}

export interface EnvPyFacts {
  readonly calls: ConfigureCall[];
}

const KEYS = { version_table: 'versionTable', version_table_schema: 'versionTableSchema' } as const;

/**
 * Finds `version_table=` / `version_table_schema=` inside every
 * `*.configure(...)` call of env.py (the offline and the online branch each
 * have one). Values are taken only when they are literals; anything else is
 * reported with its line so the caller can ask for a flag instead of guessing.
 */
export function readEnvPy(source: string): EnvPyFacts {
  const out: EnvPyFacts = { calls: [] };
  const { lines } = tokenize(source);
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 2; i < t.length; i++) {
      if (!(t[i]!.type === Tok.Name && t[i]!.text === 'configure' && t[i - 1]!.text === '.' && t[i + 1]?.text === '(')) continue;
      const close = matching(t, i + 1);
      const call: { -readonly [K in keyof ConfigureCall]: ConfigureCall[K] } = { line: t[i]!.line };
      out.calls.push(call);
      let depth = 0;
      for (let j = i + 2; j < close; j++) {
        const tok = t[j]!;
        if (tok.type === Tok.Op && '([{'.includes(tok.text)) depth++;
        else if (tok.type === Tok.Op && ')]}'.includes(tok.text)) depth--;
        if (depth === 0 && tok.type === Tok.Op && tok.text === '**' && (t[j - 1]!.text === ',' || t[j - 1]!.text === '(')) {
          const end = argumentEnd(t, j + 1, close);
          call.unpacked ??= { expression: t.slice(j, end).map((x) => x.text).join(''), line: tok.line };
          continue;
        }
        if (depth !== 0 || tok.type !== Tok.Name || t[j + 1]?.text !== '=' || !(tok.text in KEYS)) continue;
        if (t[j - 1]!.text !== ',' && t[j - 1]!.text !== '(') continue;
        const valueToks = t.slice(j + 2, argumentEnd(t, j + 2, close));
        call[KEYS[tok.text as keyof typeof KEYS]] = { ...literal(valueToks), line: tok.line };
      }
    }
  }
  return out;
}

function literal(toks: readonly Token[]): { value: string | null | undefined; expression?: string } {
  if (toks.length === 1 && toks[0]!.type === Tok.Name && toks[0]!.text === 'None') return { value: null };
  if (toks.length > 0 && toks.every((x) => x.type === Tok.String)) {
    let s = '';
    for (const x of toks) {
      const v = evalStringLiteral(x.text);
      if (!v || v.t !== 'str') return { value: undefined, expression: toks.map((y) => y.text).join(' ') };
      s += v.v;
    }
    return { value: s };
  }
  return { value: undefined, expression: toks.map((x) => x.text).join(' ') };
}

/** Index of the `,` (or the closing bracket) that ends the argument starting at `from`. */
function argumentEnd(t: readonly Token[], from: number, close: number): number {
  let end = from;
  let d = 0;
  while (end < close) {
    const e = t[end]!;
    if (e.type === Tok.Op && '([{'.includes(e.text)) d++;
    else if (e.type === Tok.Op && ')]}'.includes(e.text)) d--;
    else if (d === 0 && e.text === ',') break;
    end++;
  }
  return end;
}

function matching(t: readonly Token[], open: number): number {
  let d = 0;
  for (let i = open; i < t.length; i++) {
    if (t[i]!.type !== Tok.Op) continue;
    if ('([{'.includes(t[i]!.text)) d++;
    else if (')]}'.includes(t[i]!.text) && --d === 0) return i;
  }
  return t.length;
}
