import {
  type LogicalLine,
  Tok,
  type Token,
  lex,
  matching as closingBracket,
} from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';

// Token helpers the env.py readers share.

/**
 * env.py's logical lines. verify and its rules ask six readers here about the same env.py, so the last text's
 * lines are kept rather than tokenized again for each.
 */
let lastSource: string | undefined;
let lastLines: readonly LogicalLine[] = [];

export function linesOf(source: string): readonly LogicalLine[] {
  if (source !== lastSource) {
    lastLines = lex(source).lines;
    lastSource = source;
  }
  return lastLines;
}

export function literal(toks: readonly Token[]): { value: string | null | undefined; expression?: string } {
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
export function argumentEnd(t: readonly Token[], from: number, close: number): number {
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

/** Index of the bracket that closes the one at `open`; t.length when nothing closes it. */
export function matching(t: readonly Token[], open: number): number {
  const close = closingBracket(t, open, t.length);
  return close < 0 ? t.length : close;
}

// statements whose body does not run where they stand, or runs only under a condition we cannot decide
export const BLOCK_WORDS = new Set([
  'if',
  'elif',
  'else',
  'try',
  'except',
  'finally',
  'for',
  'while',
  'with',
  'def',
  'class',
  'async',
  'match',
  'case',
]);

/**
 * The name of the call whose parentheses hold position `at` (`run_migrations` for
 * `context.run_migrations(engine_name=…)`); undefined inside brackets that are no call's.
 */
export function enclosingCall(t: readonly Token[], at: number): string | undefined {
  let depth = 0;
  for (let i = at - 1; i > 0; i--) {
    const text = t[i]!.type === Tok.Op ? t[i]!.text : '';
    if (text === ')' || text === ']' || text === '}') depth++;
    else if (text === '(' || text === '[' || text === '{') {
      if (depth === 0) return text === '(' && t[i - 1]!.type === Tok.Name ? t[i - 1]!.text : undefined;
      depth--;
    }
  }
  return undefined;
}

/**
 * Words that let env.py connect somewhere else than alembic.ini's `sqlalchemy.url`: its own
 * engine or URL, an application's connection or settings, the environment, `-x` arguments.
 */
export const OTHER_URL_SOURCES = new Set([
  'create_engine',
  'create_async_engine',
  'make_url',
  'URL',
  'attributes',
  'current_app',
  'environ',
  'getenv',
  'get_x_argument',
  'cmd_opts',
  'set_main_option',
  'set_section_option',
  'settings',
  'get_settings',
]);
