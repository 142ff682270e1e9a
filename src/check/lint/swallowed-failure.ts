import { bodyStatements, sqlStatements } from './migration-ops.js';
import { onPostgres } from './dialect-conditions.js';
import type { PyNode, PySource } from './python-syntax.js';

// When a failed statement inside `try:` is swallowed, and whether a transaction is there for it to poison.

/**
 * Inside `with op.get_context().autocommit_block():` statements run without a
 * transaction: a failure aborts nothing else.
 */
export function inAutocommitBlock(py: PySource, t: PyNode, fn: PyNode): boolean {
  for (let p = t.parent; p && p !== fn; p = p.parent) {
    if (
      p.name === 'WithStatement' &&
      p.getChildren('CallExpression').some((c) => /\.autocommit_block$/.test(py.callee(c)))
    )
      return true;
  }
  return false;
}

/**
 * After `op.execute("COMMIT")` (or `conn.execute(text("COMMIT"))`) earlier in
 * the same function (Bodhi's way to add enum values; merklebot's, inside the
 * try itself), a statement runs with no transaction open. `calls` are the
 * function's calls (`py.calls(fn)`).
 */
export function committedBefore(py: PySource, calls: readonly PyNode[], node: PyNode): boolean {
  return calls.some((c) => c.to <= node.from && commits(py, c));
}

/** A statement that ends the transaction; group 1 is its verb. */
const ENDS_TRANSACTION = /^(COMMIT|END|ROLLBACK|ABORT)(?:\s+(?:WORK|TRANSACTION))?$/i;

/** The verb (COMMIT, END, ROLLBACK, ABORT) of a call whose SQL is one statement that ends the transaction. */
function endingVerb(py: PySource, call: PyNode): string | undefined {
  const sql = sqlStatements(py, call);
  return sql?.length === 1 ? ENDS_TRANSACTION.exec(sql[0]!)?.[1]?.toUpperCase() : undefined;
}

/** `op.execute("COMMIT")`, `conn.execute(text("COMMIT"))`: the migration ends its transaction itself. */
function commits(py: PySource, call: PyNode): boolean {
  const verb = endingVerb(py, call);
  return verb === 'COMMIT' || verb === 'END';
}

/** The call runs only COMMIT / ROLLBACK (and their synonyms). */
export function endsTransaction(py: PySource, call: PyNode): boolean {
  const sql = sqlStatements(py, call);
  return sql !== undefined && sql.every((x) => ENDS_TRANSACTION.test(x));
}

/**
 * The try body, whether some except handler carries on (on PostgreSQL) instead of re-raising, and
 * whether one that carries on first runs ROLLBACK (`op.execute("Rollback")`, as SimpleLogin's
 * migration does to clear the aborted transaction).
 */
export function tryParts(
  py: PySource,
  t: PyNode,
): { tryBody?: PyNode; swallows: boolean; rollsBack: boolean } {
  let tryBody: PyNode | undefined;
  let last = '';
  let swallows = false;
  let rollsBack = false;
  let caught: PyNode | undefined;
  for (let c = t.firstChild; c; c = c.nextSibling) {
    if (c.name === 'try' || c.name === 'except' || c.name === 'else' || c.name === 'finally') {
      last = c.name;
      caught = undefined;
    } else if (c.name === 'Body') {
      if (last === 'try') tryBody = c;
      else if (last === 'except' && !catchesNoDatabaseError(py, caught) && !reraisesOnPostgres(py, c)) {
        swallows = true;
        if (py.calls(c).some((call) => rollsBackTransaction(py, call))) rollsBack = true;
      }
    } else if (last === 'except' && caught === undefined && c.name !== 'as') caught = c;
  }
  return { tryBody, swallows, rollsBack };
}

/** `op.execute("ROLLBACK")`, `conn.execute(text("rollback"))`, `op.get_bind().rollback()`: the migration's transaction ends there. */
function rollsBackTransaction(py: PySource, call: PyNode): boolean {
  if (/(^|\.)get_bind\(\)\.rollback$|^(?:conn|connection|bind)\.rollback$/.test(py.callee(call))) return true;
  const verb = endingVerb(py, call);
  return verb === 'ROLLBACK' || verb === 'ABORT';
}

/**
 * Built-in exceptions a failed statement never raises: SQLAlchemy wraps driver
 * errors in sqlalchemy.exc.DBAPIError, which derives from Exception alone.
 * `except ValueError:` around DDL catches a bad argument (Mage: an unnamed
 * constraint), not a failed statement, so the transaction is not carried on poisoned.
 */
const NOT_DATABASE_ERRORS = new Set([
  'ValueError',
  'TypeError',
  'KeyError',
  'IndexError',
  'LookupError',
  'AttributeError',
  'NameError',
  'ImportError',
  'ModuleNotFoundError',
  'NotImplementedError',
  'AssertionError',
  'ZeroDivisionError',
  'ArithmeticError',
  'UnicodeError',
  'UnicodeDecodeError',
  'UnicodeEncodeError',
  'StopIteration',
  'FileNotFoundError',
  'RecursionError',
]);

/** The handler names only exception classes a failed statement cannot raise (a bare `except:` catches everything). */
function catchesNoDatabaseError(py: PySource, caught: PyNode | undefined): boolean {
  if (!caught) return false;
  const text = py.of(caught).replace(/\s+/g, '');
  const names = /^\(.*\)$/.test(text)
    ? text
        .slice(1, -1)
        .split(',')
        .filter((x) => x !== '')
    : [text];
  return names.length > 0 && names.every((n) => NOT_DATABASE_ERRORS.has(n));
}

/**
 * The handler ends with `raise` (or `sys.exit(…)`), or holds an `if` whose branch
 * PostgreSQL takes ends so (`if not bind.dialect.name.startswith("mysql"): raise`).
 */
function reraisesOnPostgres(py: PySource, body: PyNode): boolean {
  const statements = bodyStatements(body);
  if (stops(py, statements.at(-1))) return true;
  return statements.some((s) => {
    if (s.name !== 'IfStatement') return false;
    for (const branch of s.getChildren('Body')) {
      const cond = branch.prevSibling;
      const taken = cond?.name === 'else' ? true : cond ? onPostgres(py, cond) : undefined;
      if (taken === undefined) return false;
      if (taken) return stops(py, bodyStatements(branch).at(-1));
    }
    return false;
  });
}

/** `raise …`, or a call that ends the process (Designate logs and calls `sys.exit(1)`): the migration does not carry on. */
function stops(py: PySource, statement: PyNode | undefined): boolean {
  if (statement?.name === 'RaiseStatement') return true;
  const call = statement?.name === 'ExpressionStatement' ? statement.firstChild : null;
  return (
    call?.name === 'CallExpression' && /^(sys\.exit|exit|quit|os\._exit|os\.abort)$/.test(py.callee(call))
  );
}
