import path from 'node:path';
import type { SyntaxNode } from '@lezer/common';
import { lineOf, lineStarts } from '../../python/line-starts.js';
import { firstErrorNode, moduleTree } from '../../python/module-tree.js';
import { lex } from '../../python/python-tokenizer.js';
import type { PyExpr } from '../../python/py-expr.js';
import { treeExpression } from '../../python/tree-expression.js';

// Alembic builds its revision map only when a command first needs it: `upgrade`, `downgrade`, `stamp` and
// `current` run env.py before that, so `context.script.version_locations = …` in env.py decides which
// folders they read (`heads` and `history`, which run no env.py, read the ini's). A
// `config.set_main_option("version_locations", …)` in env.py changes nothing: the script directory read
// the option before env.py ran.

/** What env.py's assignments leave in `context.script.version_locations`, for one dialect. */
export type EnvVersionLocations =
  /** the folders, as written or joined (relative ones are relative to the working directory) */
  | { readonly kind: 'set'; readonly entries: readonly string[]; readonly line: number }
  | { readonly kind: 'unknown'; readonly line: number; readonly why: string };

/** Where env.py runs, as the reading needs it: its file, the working directory and the URL's dialect. */
export interface EnvRun {
  readonly envFile: string;
  readonly cwd: string;
  /** SQLAlchemy's dialect name (`postgresql`, `sqlite`, `mysql`, `mariadb`); undefined when not known. */
  readonly dialect: string | undefined;
}

/** A dotted name ending in `version_locations` (`context.script.version_locations`). */
const TARGET = /^(?:\w+\.)+version_locations$/u;

/**
 * The version locations env.py sets at run time; undefined where it sets none. The forms read: a list or
 * tuple of string literals, `os.path.join`/`dirname`/`abspath`/`realpath`/`normpath` over them and
 * `__file__`, module-level names bound once to such a value, under `if`/`elif`/`else` on the dialect's name
 * (`connection.dialect.name == "postgresql"`, `!=`, `in`, `.startswith`) or on `context.is_offline_mode()`.
 * An assignment in a function whose name says offline is not run online. Anything else is `unknown`, with
 * its line: the caller stops rather than guess.
 */
export function envVersionLocations(source: string, run: EnvRun): EnvVersionLocations | undefined {
  if (!source.includes('version_locations')) return undefined;
  const lexed = lex(source);
  const tree = moduleTree(source, lexed.undecodable);
  const of = (n: SyntaxNode): string => source.slice(n.from, n.to);
  const starts = lineStarts(source);
  // a file Python will not load is read up to the line of its first syntax error (the tokenizer's or the grammar's)
  const end = Math.min(
    firstErrorNode(tree) ?? source.length,
    lexed.error ? (starts[lexed.error.line - 1] ?? source.length) : source.length,
  );
  const names = moduleNames(source, tree.topNode, end);
  // each statement that writes the attribute (a local name of the same spelling is only a value), once
  const statements = new Map<number, SyntaxNode>();
  tree.iterate({
    enter: (n) => {
      if (n.name !== 'PropertyName' || of(n.node) !== 'version_locations') return undefined;
      const s = statementOf(n.node);
      if (s.to <= end) statements.set(s.from, s);
      return false;
    },
  });
  let result: EnvVersionLocations | undefined;
  for (const s of [...statements.values()].sort((x, y) => x.from - y.from)) {
    const line = lineOf(starts, s.from);
    const target = s.name === 'AssignStatement' ? s.firstChild : null;
    const op = target?.nextSibling;
    // a call that reads or mutates it (`.append(…)`, `+=`), or an option set where Alembic no longer looks
    if (
      !target ||
      op?.name !== 'AssignOp' ||
      of(op) !== '=' ||
      !TARGET.test(of(target).replace(/\s+/gu, ''))
    ) {
      if (/set_main_option|set_section_option/u.test(of(s))) continue;
      result = { kind: 'unknown', line, why: 'it is changed in place, not assigned' };
      continue;
    }
    const runs = runsOnline(source, s, run.dialect);
    if (runs === false) continue;
    if (runs !== true) {
      result = { kind: 'unknown', line, why: runs };
      continue;
    }
    const valueNode = firstOperand(op);
    const value = valueNode ? treeExpression(source, valueNode) : undefined;
    const entries = value?.k === 'seq' ? value.items.map((e) => pathOf(e, run, names)) : undefined;
    result =
      entries && entries.every((e) => e !== undefined)
        ? { kind: 'set', entries: entries as string[], line }
        : {
            kind: 'unknown',
            line,
            why: 'its value is not a list of literal paths, os.path joins of them and __file__',
          };
  }
  return result;
}

/** The statement a node is in, up to the Body or module holding it (a compound statement for its header). */
function statementOf(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (
    n.parent &&
    n.parent.name !== 'Body' &&
    n.parent.name !== 'Script' &&
    n.parent.name !== 'StatementGroup'
  )
    n = n.parent;
  return n;
}

/** The first expression after `node` (an assignment's value after its `=`). */
function firstOperand(node: SyntaxNode): SyntaxNode | undefined {
  for (let c = node.nextSibling; c; c = c.nextSibling)
    if (/^[A-Z]/u.test(c.name) && c.name !== 'Comment') return c;
  return undefined;
}

/** Module-level names bound exactly once (`here = os.path.dirname(__file__)`): their expressions. */
function moduleNames(source: string, top: SyntaxNode, end: number): Map<string, PyExpr | undefined> {
  const out = new Map<string, PyExpr | undefined>();
  top.cursor().iterate((c) => {
    if (c.from >= end) return false;
    if (c.name !== 'AssignStatement' || c.to > end) return undefined;
    const n = c.node;
    const name = n.firstChild;
    const op = name?.nextSibling;
    if (name?.name !== 'VariableName' || op?.name !== 'AssignOp' || source.slice(op.from, op.to) !== '=')
      return undefined;
    const word = source.slice(name.from, name.to);
    // any binding of the name anywhere else, or a second one: the name's value is not known
    const top =
      n.parent?.name === 'Script' ||
      (n.parent?.name === 'StatementGroup' && n.parent.parent?.name === 'Script');
    const value = firstOperand(op);
    out.set(word, out.has(word) || !top || !value ? undefined : treeExpression(source, value));
    return undefined;
  });
  return out;
}

/** A path as Python computes it; undefined for anything else. */
function pathOf(
  e: PyExpr,
  run: EnvRun,
  names: ReadonlyMap<string, PyExpr | undefined>,
  depth = 0,
): string | undefined {
  if (depth > 20) return undefined;
  const of = (x: PyExpr | undefined): string | undefined =>
    x === undefined ? undefined : pathOf(x, run, names, depth + 1);
  if (e.k === 'str') return e.v;
  if (e.k === 'name') return e.v === '__file__' ? run.envFile : of(names.get(e.v));
  if (e.k !== 'call' || e.star || e.kw.size > 0 || e.recv !== undefined) return undefined;
  const args = e.args.map(of);
  if (args.some((a) => a === undefined)) return undefined;
  const a = args as string[];
  switch (e.callee) {
    case 'os.path.join':
      // an absolute part starts the path again, as in Python
      return a.length === 0 ? undefined : a.reduce((acc, p) => (path.isAbsolute(p) ? p : path.join(acc, p)));
    case 'os.path.dirname':
      return a.length === 1 ? (a[0]!.includes('/') ? path.dirname(a[0]!) : '') : undefined;
    case 'os.path.abspath':
    case 'os.path.realpath':
    case 'os.path.normpath':
      return a.length === 1 ? path.resolve(run.cwd, a[0]!) : undefined;
    case 'str':
      return a.length === 1 ? a[0] : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether a statement runs when Alembic migrates online on the dialect: true, false, or why it cannot be
 * known. Every block around it counts: an `if`/`elif`/`else` chain by its conditions, a function by its name.
 */
function runsOnline(source: string, statement: SyntaxNode, dialect: string | undefined): boolean | string {
  for (let body = statement.parent; body; body = body.parent) {
    if (body.name !== 'Body') continue;
    const holds = blockHolds(source, body, dialect);
    if (holds !== true) return holds;
  }
  return true;
}

/** Whether the block `body` is the body of runs: its clause's keyword and the conditions before it decide. */
function blockHolds(source: string, body: SyntaxNode, dialect: string | undefined): boolean | string {
  const owner = body.parent!;
  if (owner.name === 'FunctionDefinition') {
    const name = owner.getChild('VariableName');
    return !/offline/iu.test(name ? source.slice(name.from, name.to) : '');
  }
  // the clause's keyword, and each if/elif condition before this body in the chain
  const conditions: SyntaxNode[] = [];
  let word = '';
  let opens = true;
  for (let c = owner.firstChild; c && c.from < body.from; c = c.nextSibling) {
    if (c.name === 'Body') opens = true;
    else if (opens && /^[a-z]/u.test(c.name) && c.name !== 'async') {
      word = c.name;
      opens = false;
    } else if ((word === 'if' || word === 'elif') && /^[A-Z]/u.test(c.name) && c.name !== 'Comment')
      conditions.push(c);
  }
  if (owner.name === 'WithStatement' || (owner.name === 'TryStatement' && word !== 'except')) return true;
  if (owner.name === 'ForStatement' || owner.name === 'WhileStatement') {
    if (word === 'else') return true;
  } else if (owner.name === 'IfStatement') {
    const own = word === 'else' ? undefined : conditions.pop();
    // the chain before it must not have been taken (the nearest condition first)
    for (const prior of conditions.reverse()) {
      const c = condition(source, prior, dialect);
      if (c !== false) return c === true ? false : c;
    }
    return own === undefined ? true : condition(source, own, dialect);
  }
  return `it runs under \`${word === '' ? owner.name : word} …\`, which the reading does not follow`;
}

/** An `if`/`elif` condition on the dialect or the mode: true, false, or why it is not known. */
function condition(source: string, node: SyntaxNode, dialect: string | undefined): boolean | string {
  // the text as written, a space only between two words (`not in`, `not x`)
  const text = source
    .slice(node.from, node.to)
    .replace(/\\\r?\n|\s+/gu, ' ')
    .replace(/ (?=\W)|(?<=\W) /gu, '')
    .trim();
  const holds = truth(text, dialect);
  return holds ?? `it depends on \`${text}\`, which the reading cannot decide here`;
}

// `<anything>.dialect.name` compared with a name, tested for membership, or by prefix
const EQ = /^[\w.()]*\bdialect\.name\s*(==|!=)\s*['"](\w+)['"]$/u;
const IN = /^[\w.()]*\bdialect\.name\s+(not\s+in|in)\s*[([{]([^)\]}]*)[)\]}]$/u;
const STARTS = /^[\w.()]*\bdialect\.name\.startswith\(\s*['"](\w+)['"]\s*\)$/u;

function truth(c: string, dialect: string | undefined): boolean | undefined {
  const negated = /^not\s+(.*)$/su.exec(c);
  if (negated) {
    const inner = truth(negated[1]!, dialect);
    return inner === undefined ? undefined : !inner;
  }
  if (/^(?:context\.)?is_offline_mode\(\)$/u.test(c)) return false;
  if (dialect === undefined) return undefined;
  const eq = EQ.exec(c);
  if (eq) return (eq[2] === dialect) === (eq[1] === '==');
  const within = IN.exec(c);
  if (within) {
    const listed = [...within[2]!.matchAll(/['"](\w+)['"]/gu)].map((m) => m[1]);
    return listed.includes(dialect) === !within[1]!.startsWith('not');
  }
  const starts = STARTS.exec(c);
  if (starts) return dialect.startsWith(starts[1]!);
  return undefined;
}
