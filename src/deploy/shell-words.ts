// How a shell splits a line into commands and words, as far as the release line's reading needs.

// the blanks around an operator are left to shellWords: matching them here is quadratic on a long run of blanks
export const SHELL_SPLIT = /&&|\|\||;|\|/u;

/** A script's logical lines (backslash continuations joined), comments dropped, with the line each starts on. */
export function shellLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const raw = text.split(/\r?\n/u);
  for (let i = 0; i < raw.length; i++) {
    const line = i + 1;
    let s = raw[i]!;
    while (s.endsWith('\\') && i + 1 < raw.length) s = s.slice(0, -1) + ' ' + raw[++i]!;
    // a comment runs to the end of the line whatever it holds (`.*` would stop at a lone CR and retry from each later #)
    s = s.replace(/(^|\s)#[^]*$/u, '$1').trim();
    if (s !== '') out.push({ text: s, line });
  }
  return out;
}

/**
 * The words the shell hands to alembic: a trailing comment, background `&` and redirections
 * (`2>&1`, `> log`) dropped; undefined when a word is still rewritten by the shell (a variable,
 * a glob, a subshell's parenthesis), so that what Alembic receives is not known here.
 */
export function commandArgs(words: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('#')) break;
    if (w === '&') continue;
    const redirect = /^\d*(?:>>?|<|>&|&>)(.*)$/u.exec(w);
    if (redirect) {
      // `> log` names its file in the next word; `2>&1` and `>log` carry it
      if (redirect[1] === '') i++;
      continue;
    }
    if (/[$`(){}<>|&;*?[\]~!\\]/u.test(w)) return undefined;
    out.push(w);
  }
  return out;
}

/**
 * A command with the subshell parentheses around it taken off: `(cd backend` opens one, `upgrade heads)`
 * closes one (a `)` that no `(` of the command matches; `$(date)` is the command's own).
 */
export function subshellOf(segment: string): { body: string; opens: number; closes: number } {
  let body = segment.trim();
  let opens = 0;
  while (body.startsWith('(')) {
    body = body.slice(1).trimStart();
    opens++;
  }
  let closes = 0;
  let balance = 0;
  for (const c of body) balance += c === '(' ? 1 : c === ')' ? -1 : 0;
  while (balance < 0 && body.endsWith(')')) {
    body = body.slice(0, -1).trimEnd();
    balance++;
    closes++;
  }
  return { body, opens, closes };
}

/** A command's words as the shell hands them over, quotes removed (`sh -c "alembic upgrade heads"`). */
export function shellWords(cmd: string): string[] {
  return cmd
    .trim()
    .split(/\s+/u)
    .map((w) => w.replace(/["']/gu, ''))
    .filter(Boolean);
}

/** A word holding a variable or a command substitution. */
export function decidedAtRunTime(word: string): boolean {
  return /[$`]/u.test(word);
}

/** A word as a shell reads it back (a revision id, a path): quoted only where it would not be one word as it is. */
export function shellQuote(s: string): string {
  return /^[\w.@%+=:,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
