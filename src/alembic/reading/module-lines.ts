// Facts of one statement or clause header of a module, read from its tokens for the module reader:
// imports, docstrings, op calls at import time.
import { matching, splitTop, Tok, type Token } from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';
import type { PyUnknown, PyValue } from '../../python/python-value.js';
import { docstringOfText } from './docstring-fields.js';
import type { Docstring } from './read-result.js';

/** A block the module reader is inside of. */
export interface Block {
  readonly kind: string;
  readonly line: number;
  /** Its body runs only when a condition holds at import (if, elif, else, while, except, case), which a reader cannot know. */
  readonly conditional?: true;
}

/** Blocks whose body may not run at all; `if True:` and `while True:` are not among them. */
export const CONDITIONAL = new Set(['if', 'elif', 'else', 'while', 'except', 'case']);

/** The header's condition is a constant that always holds (`if True:`, `while 1:`). */
export function alwaysRuns(toks: readonly Token[]): boolean {
  return (
    toks.length === 3 &&
    (toks[0]!.text === 'if' || toks[0]!.text === 'while') &&
    (toks[1]!.text === 'True' || toks[1]!.text === '1') &&
    toks[2]!.text === ':'
  );
}

/** What one import statement imports and binds, read from its tokens (`s` is the `import`/`from`). */
export interface ImportStatement {
  /** the modules it imports (their first part for `from`), for the import check */
  readonly modules: { module: string; level: number }[];
  readonly binds: [string, PyValue][];
  /** `from m import *`: why any name may be bound */
  readonly star?: string;
}

export function importStatement(toks: Token[], s: number, e: number): ImportStatement {
  if (toks[s]!.text === 'import') {
    const modules: { module: string; level: number }[] = [];
    const binds: [string, PyValue][] = [];
    for (const [a, b] of splitTop(toks, s + 1, e, ',')) {
      if (b <= a) continue;
      modules.push({ module: toks[a]!.text, level: 0 });
      const asIdx = indexOfName(toks, 'as', a, b);
      const name = asIdx >= 0 ? toks[asIdx + 1]?.text : toks[a]!.text;
      // `import a.b.c as m` binds m to a.b.c; `import a.b.c` binds a to a
      let dotted = '';
      for (let k = a; k < (asIdx >= 0 ? asIdx : b); k++) dotted += toks[k]!.text;
      const module = { name: asIdx >= 0 ? dotted : toks[a]!.text, loaded: dotted };
      if (name) binds.push([name, { t: 'unknown', reason: `the module ${name}`, module }]);
    }
    return { modules, binds };
  }
  let i = s + 1;
  let level = 0;
  while (i < e && (toks[i]!.text === '.' || toks[i]!.text === '...')) {
    level += toks[i]!.text.length;
    i++;
  }
  let module = '';
  while (i < e && toks[i]!.text !== 'import') module += toks[i++]!.text;
  i++;
  const modules = [{ module: module.split('.')[0] ?? '', level }];
  if (toks[i]?.text === '*')
    return { modules, binds: [], star: `\`from ${'.'.repeat(level)}${module} import *\` may bind any name` };
  let a = i;
  let b = e;
  if (toks[a]?.text === '(' && toks[b - 1]?.text === ')') {
    a++;
    b--;
  }
  const binds: [string, PyValue][] = [];
  for (const [x, y] of splitTop(toks, a, b, ',')) {
    if (y <= x) continue;
    const orig = toks[x]!.text;
    const asIdx = indexOfName(toks, 'as', x, y);
    const local = asIdx >= 0 ? (toks[asIdx + 1]?.text ?? orig) : orig;
    const unknown: PyUnknown = {
      t: 'unknown',
      reason: `the name ${local} imported from ${'.'.repeat(level)}${module}`,
      name: local,
      importedFrom: { module, name: orig, level },
    };
    binds.push([local, unknown]);
  }
  return { modules, binds };
}

/**
 * The op calls (`op.NAME(` when `op` is Alembic's, or `alembic.op.NAME(`) one statement or clause
 * header makes at import. A call inside a conditional block (`if sqlite: op.execute(…)` on one line
 * too) runs only when the condition holds then: Ubersystem guards `op.get_context()` by a flag that a
 * try/except sets to False while the scripts are only read, so `alembic heads` works. Such calls are
 * not counted.
 */
export function findProxyCalls(
  toks: readonly Token[],
  opImported: boolean,
  out: { method: string; line: number; tries: number[] }[],
  blocks: readonly Block[],
): void {
  if (blocks.some((b) => b.conditional)) return;
  for (let i = 0; i + 3 < toks.length; i++) {
    const t = toks[i]!;
    if (
      t.type !== Tok.Name ||
      t.text !== 'op' ||
      toks[i + 1]!.text !== '.' ||
      toks[i + 2]!.type !== Tok.Name ||
      toks[i + 3]!.text !== '('
    )
      continue;
    const qualified = i >= 2 && toks[i - 1]!.text === '.' && toks[i - 2]!.text === 'alembic';
    const attribute = i >= 1 && toks[i - 1]!.text === '.';
    if (qualified || (opImported && !attribute))
      out.push({
        method: toks[i + 2]!.text,
        line: t.line,
        tries: blocks.filter((b) => b.kind === 'try').map((b) => b.line),
      });
  }
}

/** `except:`, or an except clause naming NameError or one of its bases. */
export function catchesNameError(toks: readonly Token[]): boolean {
  if (toks[1]?.text === ':') return true;
  return toks.some(
    (t) =>
      t.type === Tok.Name && (t.text === 'NameError' || t.text === 'Exception' || t.text === 'BaseException'),
  );
}

export function docstringOf(toks: Token[], s: number, e: number): Docstring | undefined {
  for (let i = s; i < e; i++) if (toks[i]!.type !== Tok.String) return undefined;
  let text = '';
  for (let i = s; i < e; i++) {
    const v = evalStringLiteral(toks[i]!.text);
    if (v.t !== 'str') return undefined;
    text += v.v;
  }
  return docstringOfText(text, toks[s]!.line);
}

export function isBracketPair(toks: Token[], s: number, e: number): boolean {
  const open = toks[s]!.text;
  if (toks[s]!.type !== Tok.Op || (open !== '(' && open !== '[')) return false;
  return matching(toks, s, e) === e - 1;
}

export function indexOfName(toks: Token[], name: string, s: number, e = toks.length): number {
  for (let i = s; i < e; i++) if (toks[i]!.type === Tok.Name && toks[i]!.text === name) return i;
  return -1;
}
