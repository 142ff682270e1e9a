import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { lintFinding } from '../lint/lint-context.js';
import { enclosing } from '../lint/migration-ops.js';
import { occursDelimited } from '../lint/occurs-delimited.js';
import type { PyNode, PySource } from '../lint/python-syntax.js';
import { type EnumValueGuard, insideDoBlock, plpgsqlGuards } from '../lint/plpgsql-guard.js';
import { committedBefore, tryParts } from '../lint/swallowed-failure.js';

const ADD_VALUE =
  /ALTER\s+TYPE\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)\s+ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'/gi;

/**
 * `ALTER TYPE … ADD VALUE` that is not idempotent (a warning: whether it fails depends on the database,
 * which `verify` reads: a label already there is a clash there), or that fails wherever it runs (an
 * error: refused in a transaction before PostgreSQL 12, or the new value used before it is committed).
 */
export const enumAddValueUnguarded: Rule = {
  code: 'enum-add-value-unguarded',
  severity: 'warning',
  kind: 'lint',
  title: 'ALTER TYPE … ADD VALUE can fail on a rerun',
  summary: 'ALTER TYPE … ADD VALUE without IF NOT EXISTS, or inside a transaction on PostgreSQL before 12.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    const pg = lint.config.postgresVersion;
    // env.py runs each statement in autocommit: no migration transaction at all
    const envAutocommit = lint.envAutocommit() !== undefined;
    out.push(
      ...lint.newFileFindings(
        this.code,
        () => `${pg ?? ''} ${envAutocommit}`,
        [/add\s+value/i],
        (file, py) => {
          const found: Finding[] = [];
          const adds = py.strings(py.top).flatMap(({ value, node }) => {
            const ms = [...value.matchAll(ADD_VALUE)];
            const sqlGuards = plpgsqlGuards(
              value,
              ms.map((m) => ({ at: m.index, label: m[3]! })),
            );
            return ms.map((m, k) => ({ value, node, m, sqlGuard: sqlGuards[k] }));
          });
          for (const [i, { value, node, m, sqlGuard }] of adds.entries()) {
            const [, type, ifNotExists, label] = m as unknown as [string, string, string | undefined, string];
            const inAutocommit = (() => {
              if (envAutocommit) return true;
              for (let w = enclosing(node, 'WithStatement'); w; w = enclosing(w, 'WithStatement')) {
                if (/autocommit_block\s*\(/.test(py.of(w).split(':')[0]!)) return true;
              }
              return false;
            })();
            const guard = ifNotExists ? undefined : (sqlGuard ?? pythonGuard(py, node, label));
            // enum_range() reads the type's values: refused once this transaction has added one to the same type
            const addedBefore =
              guard === 'enum-range' && !inAutocommit
                ? adds.slice(0, i).find((a) => sameType(a.m[1]!, type) && sameFunction(a.node, node))
                : undefined;
            if (addedBefore) {
              found.push(
                lintFinding(
                  this.code,
                  'error',
                  file,
                  py,
                  node,
                  `ALTER TYPE ${type} ADD VALUE '${label}' is guarded by enum_range(), but line ${py.lineOf(addedBefore.node.from)} adds a value to ${type} earlier in the same transaction: PostgreSQL then refuses the lookup with "unsafe use of new value … New enum values must be committed before they can be used", so the upgrade fails on every database that did not have that value yet.`,
                  `op.execute("ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${label}'")  (or look the value up in pg_enum, which compares names)`,
                ),
              );
            } else if (
              !ifNotExists &&
              !guard &&
              !(inSwallowingTry(py, node) && (inAutocommit || committedInFunction(py, node)))
            ) {
              // a try that swallows the failure where no transaction is open (after a COMMIT, in an autocommit block):
              // an existing value is skipped and the release goes on (merklebot/storage)
              found.push(
                lintFinding(
                  this.code,
                  this.severity,
                  file,
                  py,
                  node,
                  `ALTER TYPE ${type} ADD VALUE '${label}' has no IF NOT EXISTS: it fails with "enum label "${label}" already exists" wherever the value is already there (a re-run after a partial failure, a restored dump, a database stamped by hand), and that failure stops the release. \`verify\` reads the enum's values and blocks where it would.`,
                  `op.execute("ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${label}'")${pg !== undefined && pg < 12 ? ', inside `with op.get_context().autocommit_block():`' : ''}`,
                ),
              );
            }
            if (pg !== undefined && pg < 12 && insideDoBlock(value, m.index)) {
              found.push(
                lintFinding(
                  this.code,
                  'error',
                  file,
                  py,
                  node,
                  `ALTER TYPE ${type} ADD VALUE runs inside a DO block, and postgres-version = ${pg} is configured: PostgreSQL before 12 refuses it inside a function or DO block ("ALTER TYPE ... ADD cannot be executed from a function"), in or out of a transaction.`,
                  `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${label}'")`,
                ),
              );
            } else if (!inAutocommit && pg !== undefined && pg < 12) {
              found.push(
                lintFinding(
                  this.code,
                  'error',
                  file,
                  py,
                  node,
                  `ALTER TYPE ${type} ADD VALUE runs inside the migration's transaction, and postgres-version = ${pg} is configured: PostgreSQL before 12 refuses it with "ALTER TYPE ... ADD cannot run inside a transaction block".`,
                  `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${label}'")`,
                ),
              );
            }
          }
          return found;
        },
      ),
    );
    return out;
  },
};

/** The string sits in the body of a `try:` whose except carries on (on PostgreSQL). */
function inSwallowingTry(py: PySource, node: PyNode): boolean {
  for (let t = enclosing(node, 'TryStatement'); t; t = enclosing(t, 'TryStatement')) {
    const { tryBody, swallows } = tryParts(py, t);
    if (tryBody && swallows && tryBody.from <= node.from && node.to <= tryBody.to) return true;
  }
  return false;
}

/** A COMMIT runs before the string in its function: the statement then runs with no transaction open. */
function committedInFunction(py: PySource, node: PyNode): boolean {
  const fn = enclosing(node, 'FunctionDefinition');
  return fn !== undefined && committedBefore(py, py.calls(fn), node);
}

/**
 * Python decides whether the statement runs: an `if` around it in its function whose condition looks the value up
 * (a pg_enum query, `get_enums()`, enum_range()), uses a name assigned from such a lookup, or names the label itself.
 * A condition on anything else (the dialect, offline mode) guards nothing.
 */
function pythonGuard(py: PySource, node: PyNode, label: string): EnumValueGuard | undefined {
  const fn = enclosing(node, 'FunctionDefinition');
  const conditions: string[] = [];
  for (let p = node.parent; p && p !== fn; p = p.parent)
    if (p.name === 'IfStatement') conditions.push(py.of(p).split(':')[0]!);
  if (conditions.length === 0) return undefined;
  const lookups = new Map<string, EnumValueGuard>();
  for (const a of py.all(fn ?? py.top, 'AssignStatement')) {
    const text = py.of(a);
    const kind = lookupKind(text);
    const target = /^\s*(\w+)\s*(?::[^=]*)?=/.exec(text)?.[1];
    if (kind && target) lookups.set(target, kind);
  }
  for (const c of conditions) {
    const direct = lookupKind(c);
    if (direct) return direct;
    for (const [name, kind] of lookups) if (occursDelimited(c, name, /\w/)) return kind;
    if (c.includes(`'${label}'`) || c.includes(`"${label}"`)) return 'catalog';
  }
  return undefined;
}

function lookupKind(text: string): EnumValueGuard | undefined {
  if (/\bpg_enum\b|\benumlabel\b|\bget_enums\s*\(/i.test(text)) return 'catalog';
  if (/\benum_range\b/i.test(text)) return 'enum-range';
  return undefined;
}

function sameType(a: string, b: string): boolean {
  const bare = (t: string): string => (t.includes('"') ? t.replace(/"/g, '') : t.toLowerCase());
  return bare(a) === bare(b);
}

function sameFunction(a: PyNode, b: PyNode): boolean {
  // syntax nodes are rebuilt on each walk: compare positions
  return enclosing(a, 'FunctionDefinition')?.from === enclosing(b, 'FunctionDefinition')?.from;
}
