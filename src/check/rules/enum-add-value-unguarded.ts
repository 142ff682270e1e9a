import type { Finding, Rule } from '../finding.js';
import { lintFinding } from '../lint/lint-context.js';
import { enclosing } from '../lint/migration-ops.js';
import type { PyNode, PySource } from '../lint/python-syntax.js';
import { committedBefore, tryParts } from '../lint/swallowed-failure.js';

const ADD_VALUE = /ALTER\s+TYPE\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)\s+ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'/gi;

/** `ALTER TYPE … ADD VALUE` that is not idempotent, or runs in a transaction where the server refuses it. */
export const enumAddValueUnguarded: Rule = {
  code: 'enum-add-value-unguarded',
  severity: 'error',
  kind: 'lint',
  summary: 'ALTER TYPE … ADD VALUE without IF NOT EXISTS, or inside a transaction on PostgreSQL before 12.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    const pg = lint.config.postgresVersion;
    // env.py runs each statement in autocommit: no migration transaction at all
    const envAutocommit = lint.envAutocommit() !== undefined;
    for (const { file, py } of lint.newParsedFiles(/add\s+value/i)) {
      for (const { value, node } of py.strings(py.top)) {
        for (const m of value.matchAll(ADD_VALUE)) {
          const [, type, guard, label] = m;
          const inAutocommit = (() => {
            if (envAutocommit) return true;
            for (let w = enclosing(node, 'WithStatement'); w; w = enclosing(w, 'WithStatement')) {
              if (/autocommit_block\s*\(/.test(py.of(w).split(':')[0]!)) return true;
            }
            return false;
          })();
          // a try that swallows the failure where no transaction is open (after a COMMIT, in an autocommit block):
          // an existing value is skipped and the release goes on (merklebot/storage)
          if (!guard && !(inSwallowingTry(py, node) && (inAutocommit || committedInFunction(py, node)))) {
            out.push(
              lintFinding(this.code, this.severity, file, py, node,
                `ALTER TYPE ${type} ADD VALUE '${label}' has no IF NOT EXISTS: it fails with "enum label "${label}" already exists" wherever the value is already there (a re-run after a partial failure, a restored dump, a database stamped by hand), and that failure stops the release.`,
                `op.execute("ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${label}'")${pg !== undefined && pg < 12 ? ', inside `with op.get_context().autocommit_block():`' : ''}`,
              ),
            );
          }
          if (!inAutocommit && pg !== undefined && pg < 12) {
            out.push(
              lintFinding(this.code, this.severity, file, py, node,
                `ALTER TYPE ${type} ADD VALUE runs inside the migration's transaction, and postgres-version = ${pg} is configured: PostgreSQL before 12 refuses it with "ALTER TYPE ... ADD cannot run inside a transaction block".`,
                `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${label}'")`,
              ),
            );
          }
        }
      }
    }
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
