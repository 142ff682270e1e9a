import { type LogicalLine, Tok, type Token } from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';
import { argumentEnd, linesOf, literal, matching } from './env-tokens.js';
import { offlineOnlyLines } from './offline-lines.js';

// The URL env.py hands Alembic through set_main_option and friends, and the offline-only lines: where
// a percent sign must be escaped for configparser.

/** A `set_main_option("sqlalchemy.url", …)` or `set_section_option(…, "sqlalchemy.url", …)` call in env.py. */
export interface UrlOptionCall {
  readonly line: number;
  /** The value when it is a plain string literal. */
  readonly literal?: string;
  /** The value goes through `.replace("%", "%%")`, which configparser needs to store it. */
  readonly escaped: boolean;
  /** Only offline mode (`alembic upgrade --sql`) runs it; see offlineOnlyLines. */
  readonly offlineOnly: boolean;
}

/**
 * Alembic's Config stores options in a ConfigParser, whose set() refuses a value holding a `%`
 * that is not `%%` or `%(name)s`: a URL-encoded password (p%40ss) fails every command that runs
 * env.py with "ValueError: invalid interpolation syntax". Finds where env.py stores the URL.
 */
export function readUrlOptionCalls(source: string): UrlOptionCall[] {
  const out: UrlOptionCall[] = [];
  const lines = linesOf(source);
  const offlineOnly = offlineOnlyLines(lines);
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 1; i < t.length; i++) {
      const name = t[i]!.text;
      if (
        t[i]!.type !== Tok.Name ||
        (name !== 'set_main_option' && name !== 'set_section_option') ||
        t[i - 1]!.text !== '.' ||
        t[i + 1]?.text !== '('
      )
        continue;
      const close = matching(t, i + 1);
      const args: Token[][] = [];
      for (let from = i + 2; from < close;) {
        const end = argumentEnd(t, from, close);
        args.push(t.slice(from, end));
        from = end + 1;
      }
      const keyAt = name === 'set_main_option' ? 0 : 1;
      if (literal(args[keyAt] ?? []).value !== 'sqlalchemy.url') continue;
      const value = args[keyAt + 1] ?? [];
      const lit = literal(value).value;
      out.push({
        line: t[i]!.line,
        ...(typeof lit === 'string' ? { literal: lit } : {}),
        escaped: valueEscaped(value, t[i]!.line, lines, 0),
        offlineOnly: offlineOnly(t[i]!.line),
      });
    }
  }
  return out;
}

/**
 * Whether the value stored is the escaped URL, followed as far as it can be read plainly: the expression
 * itself (`url.replace("%", "%%")`), the last assignment to a variable before the call (`url = …`), or a
 * module-level function it calls whose body escapes. An escape of some other variable does not count: the
 * value stored is what configparser sees.
 */
function valueEscaped(
  value: readonly Token[],
  beforeLine: number,
  lines: readonly LogicalLine[],
  depth: number,
): boolean {
  if (escapesPercent(value)) return true;
  if (depth > 8) return false;
  const name = value.length === 1 && value[0]!.type === Tok.Name ? value[0]!.text : undefined;
  if (name !== undefined) {
    const assigned = [...lines]
      .reverse()
      .find((ll) => ll.line < beforeLine && ll.tokens[0]?.text === name && ll.tokens[1]?.text === '=');
    return assigned !== undefined && valueEscaped(assigned.tokens.slice(2), assigned.line, lines, depth + 1);
  }
  const called =
    value.length >= 3 && value[0]!.type === Tok.Name && value[1]!.text === '(' ? value[0]!.text : undefined;
  if (called !== undefined) {
    const def = lines.findIndex(
      (ll) => ll.indent === 0 && ll.tokens[0]?.text === 'def' && ll.tokens[1]?.text === called,
    );
    if (def < 0) return false;
    for (let k = def + 1; k < lines.length && lines[k]!.indent > 0; k++) {
      const ll = lines[k]!;
      // the function returns the escaped value, or the escaped variable it returns
      if (
        ll.tokens[0]?.text === 'return' &&
        valueEscaped(ll.tokens.slice(1), ll.line, lines.slice(def, k + 1), depth + 1)
      )
        return true;
    }
  }
  return false;
}

/** `….replace("%", "%%")` somewhere in the value's expression. */
function escapesPercent(toks: readonly Token[]): boolean {
  for (let k = 0; k + 5 < toks.length; k++) {
    if (
      toks[k]!.text !== 'replace' ||
      toks[k + 1]!.text !== '(' ||
      toks[k + 2]!.type !== Tok.String ||
      toks[k + 4]!.type !== Tok.String
    )
      continue;
    const a = evalStringLiteral(toks[k + 2]!.text);
    const b = evalStringLiteral(toks[k + 4]!.text);
    if (a?.t === 'str' && a.v === '%' && toks[k + 3]!.text === ',' && b?.t === 'str' && b.v === '%%')
      return true;
  }
  return false;
}

/**
 * Where ConfigParser.set() (BasicInterpolation.before_set) refuses the value: the first `%` left
 * after removing `%%` and `%(name)s`, as Python reports it; -1 when it stores the value.
 */
export function interpolationErrorAt(value: string): number {
  return withoutInterpolations(value.replace(/%%/g, '')).indexOf('%');
}

/**
 * `re.sub(r"%\(([^)]+)\)s", "", value)` without its quadratic search: a `%(` matches up to the first
 * `)` after it, when an `s` follows that; with no `)` left, no later `%(` can match either.
 */
function withoutInterpolations(value: string): string {
  let out = '';
  let from = 0;
  let at = value.indexOf('%(');
  let close = -1;
  while (at >= 0) {
    // the first ')' after this '%(' is the last one found while that is still ahead
    if (close < at + 2) close = value.indexOf(')', at + 2);
    if (close < 0) break;
    if (close > at + 2 && value[close + 1] === 's') {
      out += value.slice(from, at);
      from = close + 2;
      at = value.indexOf('%(', from);
    } else at = value.indexOf('%(', at + 1);
  }
  return out + value.slice(from);
}
