import type { CreatedTable } from './lint/created-tables.js';

const CALL = /(?<![\w.])op\s*\.\s*create_table\s*\(/gu;

/**
 * `createdTables` for a file the reader's fast path read: its grammar has no `if`, `try`, loop,
 * lambda or nested def, so every call in upgrade()'s body runs, and a scan finds the same tables as
 * the parse. Undefined (parse it) when a call is not plainly `op.create_table("name", …)` or the
 * file may be a multi-database script. `test/integration/created-tables-fast.test.ts` holds it to
 * the parse on every generated file.
 */
export function createdTablesFast(text: string): CreatedTable[] | undefined {
  // strings and comments blanked, so that only code is searched (offsets and lines kept)
  const code = codeOnly(text);
  if (code === undefined || code.includes('upgrade_')) return undefined;
  const start = upgradeBodyStart(code);
  if (start === undefined) return code.includes('def upgrade') ? undefined : [];
  // the body ends at the next line that starts at column 0 with code
  const next = /^\S/mu.exec(code.slice(start + 1));
  const end = next ? start + 1 + next.index : code.length;
  const body = code.slice(start, end);
  const out: CreatedTable[] = [];
  for (const m of body.matchAll(CALL)) {
    const open = start + m.index + m[0].length;
    const args = callArguments(text, open);
    if (!args) return undefined;
    const first = /^\s*(['"])([^'"\n\\]*)\1\s*$/u.exec(args[0] ?? '');
    if (!first || args.slice(1).some((a) => /^\s*table_name\s*=/u.test(a))) return undefined;
    const schema = args.slice(1).find((a) => /^\s*schema\s*=/u.test(a));
    if (schema !== undefined && schema.replace(/^\s*schema\s*=/u, '').trim() !== 'None') continue;
    out.push({ name: first[2]!, line: lineAt(text, start + m.index) });
  }
  return out;
}

/** Where upgrade()'s body starts: after a `def upgrade(…)…:` line that ends at its colon; undefined when there is none. */
function upgradeBodyStart(code: string): number | undefined {
  let at = 0;
  for (const line of code.split('\n')) {
    if (line.startsWith('def upgrade') && /^def upgrade\s*\(/u.test(line) && line.trimEnd().endsWith(':')) return at + line.length;
    at += line.length + 1;
  }
  return undefined;
}

/** The top-level arguments of the call whose `(` ends just before `at`, as text; undefined if unclosed. */
function callArguments(text: string, at: number): string[] | undefined {
  const args: string[] = [];
  let depth = 1;
  let from = at;
  for (let i = at; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const close = text.indexOf(triple ? c.repeat(3) : c, i + (triple ? 3 : 1));
      if (close < 0) return undefined;
      i = close + (triple ? 2 : 0);
    } else if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(from, i));
        return args.filter((a, k) => k < args.length - 1 || a.trim() !== '');
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return undefined;
}

/** The text with every string literal's and comment's characters but newlines replaced by spaces; undefined if a string is unclosed. */
function codeOnly(text: string): string | undefined {
  const out = text.split('');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      for (; i < text.length && text[i] !== '\n'; i++) out[i] = ' ';
    } else if (c === '"' || c === "'") {
      const quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + quote.length;
      for (; j < text.length && !text.startsWith(quote, j); j++) {
        if (text[j] === '\\') j++;
        else if (quote.length === 1 && text[j] === '\n') return undefined;
      }
      if (j >= text.length) return undefined;
      // keep the quotes (a call's first argument is read from the original text)
      for (let k = i + quote.length; k < j; k++) if (text[k] !== '\n') out[k] = ' ';
      i = j + quote.length - 1;
    }
  }
  return out.join('');
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
