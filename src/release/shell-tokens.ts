/**
 * A POSIX shell line split as the shell splits it, for proving what a command runs before it starts:
 * words with their quotes removed, operators apart, and every part the shell decides only when it runs
 * marked (a variable, a glob, a command substitution, whose text is kept so it can be read in turn).
 */
export type ShellToken =
  | {
      readonly kind: 'word';
      /** The word as the command receives it when nothing in it is expanded. */
      readonly text: string;
      /** The word as written (quotes included), for messages. */
      readonly raw: string;
      /** A variable, a glob or a substitution decides part of the word when it runs. */
      readonly dynamic: boolean;
      /** The commands of `$(…)` and backquote substitutions inside it. */
      readonly substitutions: readonly string[];
    }
  | { readonly kind: 'op'; readonly text: string };

/** Operators, longest first; a newline separates commands as `;` does. */
const OPERATORS = [
  '<<-',
  '&&',
  '||',
  ';;',
  '>>',
  '<<',
  '>&',
  '<&',
  '&>',
  '>|',
  ';',
  '&',
  '|',
  '(',
  ')',
  '<',
  '>',
];

/** The tokens of `text`, or the reason it cannot be read (an unclosed quote or substitution). */
export function shellTokens(text: string): ShellToken[] | { error: string } {
  const out: ShellToken[] = [];
  let text_ = '';
  let raw = '';
  let dynamic = false;
  let started = false;
  let bracket = -1;
  let subs: string[] = [];
  const flush = () => {
    // `[…]` is a glob only when it closes (`[` alone is test's name)
    if (bracket >= 0 && raw.includes(']', bracket)) dynamic = true;
    if (started) out.push({ kind: 'word', text: text_, raw, dynamic, substitutions: subs });
    bracket = -1;
    text_ = '';
    raw = '';
    dynamic = false;
    started = false;
    subs = [];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      flush();
      i++;
      continue;
    }
    if (c === '\n') {
      flush();
      out.push({ kind: 'op', text: ';' });
      i++;
      continue;
    }
    if (c === '#' && !started) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      // `2>&1`: the digits before a redirection are its file descriptor, not a word
      if ((op.startsWith('>') || op.startsWith('<')) && started && /^\d+$/u.test(raw)) {
        text_ = '';
        raw = '';
        started = false;
      }
      flush();
      out.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    started = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return { error: 'a single quote is not closed' };
      text_ += text.slice(i + 1, end);
      raw += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const end = doubleQuoted(text, i + 1, (sub) => subs.push(sub));
      if (end.error) return { error: end.error };
      text_ += end.text;
      dynamic ||= end.dynamic;
      raw += text.slice(i, end.at + 1);
      i = end.at + 1;
      continue;
    }
    if (c === '\\') {
      text_ += text[i + 1] ?? '';
      raw += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '$' || c === '`') {
      const sub = substitution(text, i);
      if (sub.error) return { error: sub.error };
      if (sub.command !== undefined) subs.push(sub.command);
      dynamic = true;
      raw += text.slice(i, sub.end);
      i = sub.end;
      continue;
    }
    if (c === '*' || c === '?' || (c === '~' && raw === '')) dynamic = true;
    if (c === '[' && bracket < 0) bracket = raw.length;
    text_ += c;
    raw += c;
    i++;
  }
  flush();
  return out;
}

/** A double-quoted string from `from` (after its quote): its text, whether it expands, where it closes. */
function doubleQuoted(
  text: string,
  from: number,
  sub: (command: string) => void,
): { text: string; dynamic: boolean; at: number; error?: string } {
  let out = '';
  let dynamic = false;
  let i = from;
  while (i < text.length && text[i] !== '"') {
    const c = text[i]!;
    if (c === '\\' && /[$`"\\\n]/u.test(text[i + 1] ?? '')) {
      if (text[i + 1] !== '\n') out += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '$' || c === '`') {
      const s = substitution(text, i);
      if (s.error) return { text: out, dynamic, at: i, error: s.error };
      if (s.command !== undefined) sub(s.command);
      dynamic = true;
      i = s.end;
      continue;
    }
    out += c;
    i++;
  }
  if (i >= text.length) return { text: out, dynamic, at: i, error: 'a double quote is not closed' };
  return { text: out, dynamic, at: i };
}

/**
 * The expansion starting at `at` (`$NAME`, `${…}`, `$(…)`, `$((…))`, a backquote): where it ends, and
 * the command a substitution runs.
 */
function substitution(text: string, at: number): { end: number; command?: string; error?: string } {
  if (text[at] === '`') {
    const end = text.indexOf('`', at + 1);
    if (end === -1) return { end: text.length, error: 'a backquote is not closed' };
    return { end: end + 1, command: text.slice(at + 1, end) };
  }
  const next = text[at + 1];
  if (next === '(' || next === '{') {
    const close = next === '(' ? ')' : '}';
    let depth = 0;
    for (let i = at + 1; i < text.length; i++) {
      if (text[i] === next) depth++;
      else if (text[i] === close && --depth === 0) {
        const inner = text.slice(at + 2, i);
        // $((…)) is arithmetic and ${…} a parameter: neither runs a command
        const command = next === '(' && !inner.startsWith('(') ? inner : undefined;
        return { end: i + 1, ...(command !== undefined ? { command } : {}) };
      }
    }
    return { end: text.length, error: `a \`$${next}\` is not closed` };
  }
  let end = at + 1;
  if (end < text.length && /[@*#?$!0-9-]/u.test(text[end]!)) return { end: end + 1 };
  while (end < text.length && /\w/u.test(text[end]!)) end++;
  return { end };
}
