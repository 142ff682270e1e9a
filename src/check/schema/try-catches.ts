import { headerColon, Tok, type LogicalLine } from '../../python/python-tokenizer.js';

/** What a `try:` statement's except clauses name: 'all' for a bare `except:`, else each class as written (`sa.exc.ProgrammingError`). */
export type Catches = 'all' | readonly string[];

/**
 * The except clauses of the `try:` at `lines[at]`: the lines at its indent that follow its body, up
 * to the first that is not an `except` (else, finally, the next statement).
 */
export function exceptNames(lines: readonly LogicalLine[], at: number): Catches {
  const indent = lines[at]!.indent;
  const names: string[] = [];
  for (let j = at + 1; j < lines.length; j++) {
    const l = lines[j]!;
    if (l.indent > indent) continue;
    if (l.indent < indent || l.tokens[0]?.text !== 'except') break;
    const colon = headerColon(l.tokens);
    // `except*` (exception groups) and anything unread: a name no class has, which may catch anything
    const header = l.tokens.slice(1, colon).filter((t) => t.text !== '(' && t.text !== ')');
    const as = header.findIndex((t) => t.text === 'as');
    const classes = as >= 0 ? header.slice(0, as) : header;
    if (classes.length === 0) return 'all';
    let name = '';
    for (const t of classes) {
      if (t.type === Tok.Op && t.text === ',') {
        names.push(name);
        name = '';
      } else name += t.text;
    }
    names.push(name);
  }
  return names;
}

/** What the try statements among nested blocks catch together. */
export function joinCatches(blocks: readonly { readonly catches?: Catches }[]): Catches {
  const tries = blocks.flatMap((b) => (b.catches ? [b.catches] : []));
  return tries.includes('all') ? 'all' : tries.flatMap((c) => (c === 'all' ? [] : c));
}

/** What catches everything a migration's step raises. */
const CATCH_ALL = new Set(['Exception', 'BaseException', 'SQLAlchemyError', 'DBAPIError', 'StatementError']);
/** SQLAlchemy's wrappers of the DB-API's DatabaseError subclasses. */
const DATABASE_ERRORS = new Set([
  'OperationalError',
  'ProgrammingError',
  'IntegrityError',
  'InternalError',
  'NotSupportedError',
  'DataError',
]);
/** Classes that catch none of the others here (and none of them catches these). */
const OTHERS = new Set([
  'InterfaceError',
  'NoSuchTableError',
  'KeyError',
  'ValueError',
  'TypeError',
  'AttributeError',
  'NotImplementedError',
  'IndexError',
  'RuntimeError',
  'ImportError',
  'NameError',
  'AssertionError',
]);

/**
 * Whether a step's error of SQLAlchemy class `raised` (`OperationalError`) leaves the try statements
 * around it uncaught: only when every class they name is known and none is it or above it. A name
 * this does not know (an alias, the app's own class) may catch it: then not.
 */
export function uncaught(catches: Catches, raised: string): boolean {
  if (catches === 'all') return false;
  return catches.every((written) => {
    const name = written.slice(written.lastIndexOf('.') + 1);
    if (CATCH_ALL.has(name) || name === raised) return false;
    if (name === 'DatabaseError') return !DATABASE_ERRORS.has(raised);
    if (name === 'InvalidRequestError') return raised !== 'NoSuchTableError';
    return DATABASE_ERRORS.has(name) || OTHERS.has(name);
  });
}
