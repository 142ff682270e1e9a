import type { Token } from '../../python/python-tokenizer.js';

/**
 * The guards `fix` writes around a step, which ask the catalog whether an earlier run left its object:
 * `if not op.get_bind().execute(…).scalar():` and `if valid is not True:` run the step when the object
 * is not there (as on a database that never ran it: the step runs, so it is read as unconditional);
 * `if valid is False:` runs only over an index an earlier build left INVALID (it is read as not run,
 * since a database the reading models holds no such index). `valid` must have been assigned from
 * `op.get_bind().execute(…).scalar()`. Anything else is undefined: an ordinary condition.
 */
export function catalogGuard(
  header: readonly Token[],
  fromCatalog: (name: string) => boolean,
): 'absent' | 'present' | undefined {
  // every guard starts `if NAME is` or `if not op.`: nothing else is copied word by word
  if (header.length < 4 || header[0]!.text !== 'if') return undefined;
  const t = header.map((x) => x.text);
  const is = (...words: string[]): boolean => t.length === words.length && words.every((w, i) => t[i] === w);
  if (fromCatalog(t[1]!) && is('if', t[1]!, 'is', 'not', 'True')) return 'absent';
  if (fromCatalog(t[1]!) && is('if', t[1]!, 'is', 'False')) return 'present';
  return t[1] === 'not' && catalogQuery(t.slice(2)) ? 'absent' : undefined;
}

/** An if/for/try/while block: conditional, but for the catalog guards fix writes. */
export function conditionBlock(
  kw: string,
  header: readonly Token[],
  catalogLocals: ReadonlySet<string>,
): { conditional: boolean; leftover?: true } {
  const guard = kw === 'if' ? catalogGuard(header, (n) => catalogLocals.has(n)) : undefined;
  if (guard === 'absent') return { conditional: false };
  return guard === 'present' ? { conditional: true, leftover: true } : { conditional: true };
}

/** Whether an assignment's tokens are `NAME = op.get_bind().execute(…).scalar()`: its NAME, else undefined. */
export function catalogLocal(tokens: readonly Token[]): string | undefined {
  // read for every statement of upgrade(): most are not `NAME = op.…`, and are left before any copy
  if (tokens[1]?.text !== '=' || tokens[2]?.text !== 'op') return undefined;
  const t = tokens.map((x) => x.text);
  return t.length > 2 && t[1] === '=' && catalogQuery(t.slice(2)) ? t[0] : undefined;
}

/** `op.get_bind().execute(…).scalar()`, as words. */
function catalogQuery(t: readonly string[]): boolean {
  const start = ['op', '.', 'get_bind', '(', ')', '.', 'execute', '('];
  const end = [')', '.', 'scalar', '(', ')'];
  return (
    t.length > start.length + end.length &&
    start.every((w, i) => t[i] === w) &&
    end.every((w, i) => t[t.length - end.length + i] === w)
  );
}
