import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { lintFinding } from '../lint/lint-context.js';
import { batchWithNames, isSchemaCall, migrationFunctions } from '../lint/migration-ops.js';
import { skippedOnPostgres } from '../lint/dialect-conditions.js';
import type { PyNode, PySource } from '../lint/python-syntax.js';
import { projectDialect, type ProjectDialect } from '../lint/project-dialect.js';
import { committedBefore, endsTransaction, inAutocommitBlock, tryParts } from '../lint/swallowed-failure.js';

/** `try:` around DDL in upgrade()/downgrade() whose `except` swallows the error. */
export const ddlInTryExcept: Rule = {
  code: 'ddl-in-try-except',
  severity: 'error',
  kind: 'lint',
  title: 'try/except around DDL hides a failure',
  summary:
    'try/except around DDL in a migration: on PostgreSQL the failed statement aborts the transaction, and the except hides it.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    // env.py runs each statement in autocommit: a failure leaves no transaction to poison
    if (lint.envAutocommit() !== undefined) return out;
    let dialect: ProjectDialect | undefined;
    out.push(
      ...lint.newFileFindings(
        this.code,
        () => JSON.stringify((dialect ??= projectDialect(lint))),
        ['try'],
        (file, py) => {
          const found: Finding[] = [];
          for (const { fn, name } of [
            ...migrationFunctions(py, 'upgrade'),
            ...migrationFunctions(py, 'downgrade'),
          ]) {
            for (const t of py.all(fn, 'TryStatement')) {
              const { tryBody, swallows, rollsBack } = tryParts(py, t);
              if (!tryBody || !swallows) continue;
              // MySQL-only code (`if bind.dialect.name == "mysql":`) has no transaction to poison
              if (skippedOnPostgres(py, t, fn)) continue;
              // nor has code in an autocommit block
              if (inAutocommitBlock(py, t, fn)) continue;
              const calls = py.calls(tryBody);
              // a savepoint contains the failure: the transaction survives
              if (calls.some((c) => /(^|\.)begin_nested$/.test(py.callee(c)))) continue;
              // COMMIT or ROLLBACK cannot leave a poisoned transaction behind: only what runs inside one can
              // …nor can DDL after the migration ended its transaction itself, before the try or inside it
              const fnCalls = py.calls(fn);
              // inside `with op.batch_alter_table(…) as batch_op:` a batch_op call only queues its operation; the batch runs
              // when the with block ends, after this try
              const queued = batchAliasesAround(py, t, fn);
              const isQueued = (c: PyNode): boolean => {
                const [head, method, ...rest] = py.callee(c).split('.');
                return rest.length === 0 && method !== undefined && method !== 'execute' && queued.has(head!);
              };
              const ddl = calls.find(
                (c) =>
                  isSchemaCall(py, c) &&
                  !isQueued(c) &&
                  !endsTransaction(py, c) &&
                  !committedBefore(py, fnCalls, c),
              );
              if (!ddl) {
                const deferred = calls.find((c) => isSchemaCall(py, c) && isQueued(c));
                if (deferred) {
                  const what = `${py.callee(deferred)}(…)`;
                  found.push({
                    ...lintFinding(
                      this.code,
                      'warning',
                      file,
                      py,
                      t,
                      `try: wraps ${what} in ${name}(), but inside \`with op.batch_alter_table(…)\` that call only queues the operation: Alembic runs the batch when the with block ends, outside this try, so the except never sees its failure. Where ${what} fails (the index or constraint is not there, or has another name), the upgrade stops at the end of the with block and the fallback in the except never runs.`,
                      `Decide before the batch instead of catching, e.g. \`names = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("t")}\` and then \`if "ix_t_x" in names: ${py.callee(deferred).split('.')[0]}.drop_index("ix_t_x")\`.`,
                    ),
                    title: `try/except around ${what} in a batch block never sees its failure`,
                  });
                }
                continue;
              }
              const what = `${py.callee(ddl) || 'execute'}(…)`;
              // a project that plainly runs on SQLite or MySQL only: the transaction PostgreSQL poisons is not there
              dialect ??= projectDialect(lint);
              const elsewhere = dialect.dialect === 'other';
              found.push({
                ...lintFinding(
                  this.code,
                  elsewhere ? 'info' : this.severity,
                  file,
                  py,
                  t,
                  `${elsewhere ? `This project does not appear to use PostgreSQL (${dialect.why}), so this only matters if it moves there. ` : ''}try: wraps ${what} in ${name}() and its except carries on. ${
                    rollsBack
                      ? 'Its ROLLBACK clears the failed statement by ending the migration\'s transaction, which also undoes everything this `alembic upgrade` did before it: the revisions applied earlier in the same run, and on a new database the alembic_version table itself. Alembic\'s next version update then fails (relation "alembic_version" does not exist, or "expected to match one row"), so it works only when this revision is the one revision applied.'
                      : 'On PostgreSQL a failed statement aborts the whole migration transaction: the next statement fails with "current transaction is aborted, commands ignored until end of transaction block", so the deploy dies later and further from the cause (and on a database without transactional DDL it continues half done).'
                  }`,
                  `Decide before running instead of catching, e.g. \`if not sa.inspect(op.get_bind()).has_table("t"): op.create_table(...)\` or \`op.execute("CREATE INDEX IF NOT EXISTS …")\`. If you must catch, isolate the statement in a savepoint: \`with op.get_bind().begin_nested(): ${what}\`.`,
                ),
                title: elsewhere
                  ? 'try/except around DDL: a risk only if this project moves to PostgreSQL'
                  : rollsBack
                    ? `try/except around ${what}: its ROLLBACK undoes the whole run`
                    : `try/except around ${what}: a failure aborts the transaction`,
              });
            }
          }
          return found;
        },
      ),
    );
    return out;
  },
};

/** Names bound by `with op.batch_alter_table(…) as NAME:` blocks that enclose `t` within `fn`. */
function batchAliasesAround(py: PySource, t: PyNode, fn: PyNode): Set<string> {
  const out = new Set<string>();
  for (let w = t.parent; w && w.from >= fn.from && w !== fn; w = w.parent) {
    if (w.name === 'WithStatement') for (const { name } of batchWithNames(py, w)) out.add(name);
  }
  return out;
}
