import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { lintFinding } from '../lint/lint-context.js';
import type { PyNode, PySource } from '../lint/python-syntax.js';
import {
  doesNothing,
  isDataOnlyCall,
  isSchemaCall,
  migrationPairs,
  sqlStatements,
} from '../lint/migration-ops.js';

/** downgrade() that does nothing while upgrade() changes the schema. */
export const emptyDowngrade: Rule = {
  code: 'empty-downgrade',
  severity: 'warning',
  kind: 'lint',
  title: 'downgrade() does nothing',
  summary:
    'downgrade() does nothing while upgrade() changes the schema: a rollback silently leaves the database ahead.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    out.push(
      ...lint.newFileFindings(
        this.code,
        () => '',
        [(text) => lint.tokenTests(text).downgradeMayDoNothing],
        (file, py) => {
          const found: Finding[] = [];
          // in a multi-database script, each database's pair: upgrade_<engine>() and downgrade_<engine>()
          for (const { up, down } of migrationPairs(py)) {
            if (!doesNothing(py, down.fn) || doesNothing(py, up.fn)) continue;
            // a data migration (UPDATE … in op.execute) often has nothing to undo, and PostgreSQL
            // cannot drop an enum value, so adding one is undone by doing nothing
            const changes = py
              .calls(up.fn)
              .filter((c) => isSchemaCall(py, c) && !isDataOnlyCall(py, c) && !addsEnumValuesOnly(py, c));
            const change = changes[0];
            if (!change) continue;
            // CREATE OR REPLACE …, CREATE … IF NOT EXISTS: a rollback leaves them, and upgrade runs them again without failing
            if (changes.every((c) => runsAgain(py, c))) {
              // a comment in the empty downgrade() is the decision the hint asks for
              if (/^[^\S\n\r\u2028\u2029]*#/mu.test(py.of(down.fn))) continue;
              found.push({
                ...lintFinding(
                  this.code,
                  'info',
                  file,
                  py,
                  down.fn,
                  `${down.name}() does nothing, and ${up.name}() only makes changes that can run again (${py.callee(change) || 'execute'}(…) at line ${py.lineOf(change.from)}: CREATE OR REPLACE, CREATE … IF NOT EXISTS). \`alembic downgrade\` moves the version row back and leaves them in place, so the older code runs against the newer definitions; upgrading again succeeds.`,
                  `If the older code needs the previous definition, restore it in ${down.name}(); if not, say so in ${down.name}() with a comment, or raise NotImplementedError("irreversible: <why>") to stop a rollback.`,
                ),
                title: `${down.name}() does nothing; ${up.name}()'s changes can run again`,
              });
              continue;
            }
            found.push({
              ...lintFinding(
                this.code,
                this.severity,
                file,
                py,
                down.fn,
                `${down.name}() does nothing, but ${up.name}() changes the schema (${py.callee(change) || 'execute'}(…) at line ${py.lineOf(change.from)}). \`alembic downgrade\` will report success and move the version row back while the change stays: the database is then ahead of what the code believes, and upgrading again fails on what is still there unless ${up.name}() checks for it first.`,
                `Write the inverse operations in ${down.name}(), or make the irreversibility explicit so a rollback stops instead of lying: raise NotImplementedError("irreversible: <why>").`,
              ),
              title: `${down.name}() does nothing, but ${up.name}() changes the schema`,
            });
          }
          return found;
        },
      ),
    );
    return out;
  },
};

const RUNS_AGAIN =
  /^CREATE\s+(?:OR\s+REPLACE\b|(?:(?:UNIQUE|TEMP|TEMPORARY|UNLOGGED|MATERIALIZED)\s+)*\w+\s+(?:CONCURRENTLY\s+)?IF\s+NOT\s+EXISTS\b)/i;

/** Literal SQL whose every statement is CREATE OR REPLACE … or CREATE … IF NOT EXISTS, or an op.create_…(…, if_not_exists=True). */
function runsAgain(py: PySource, call: PyNode): boolean {
  if (/^op\.create_/.test(py.callee(call))) {
    const flag = py.args(call).keywords.get('if_not_exists');
    return flag !== undefined && py.of(flag) === 'True';
  }
  return sqlStatements(py, call)?.every((x) => RUNS_AGAIN.test(x)) ?? false;
}

function addsEnumValuesOnly(py: PySource, call: PyNode): boolean {
  return sqlStatements(py, call)?.every((x) => /^ALTER\s+TYPE\s+\S+\s+ADD\s+VALUE\b/i.test(x)) ?? false;
}
