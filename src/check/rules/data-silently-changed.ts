import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { rowCount, rowsShown, stepWords } from '../schema/data-words.js';

/**
 * MySQL and MariaDB outside a strict sql_mode: a pending NOT NULL over NULLs does not fail, it rewrites
 * each NULL to the type's implicit default (0, '', the first enum value) with a warning no one reads;
 * SQLite's batch copy CASTs a changed type ('abc' to 0) with no warning at all. Alembic succeeds and
 * production's rows are changed: an error, since nobody asked for it.
 */
export const dataSilentlyChanged: Rule = {
  code: 'data-silently-changed',
  severity: 'error',
  title: 'a pending step would silently rewrite rows',
  summary:
    "MySQL or MariaDB outside a strict sql_mode (a NOT NULL over NULLs, a shorter VARCHAR over longer values, a string column made an integer), or SQLite's batch copy CASTing a type change: the step succeeds by rewriting rows.",
  check({ database: db }) {
    if (!db?.data) return [];
    const mode = db.state.mysql?.sqlMode ?? '';
    return db.data.checks
      .filter((c) => c.result === 'changes-rows')
      .map((c): Finding => {
        const p = c.probe;
        const col = p.columns[0]!;
        const long = p.kind === 'length';
        const words = stepWords(p);
        const found = words.found(rowCount(c));
        const sqlite = db.state.dialect === 'sqlite';
        const rewrite = long
          ? `each longer value is cut to ${p.length} characters`
          : p.kind === 'convert'
            ? 'each string that is not a number becomes 0 or its leading digits'
            : "each NULL becomes the type's implicit default (0, '', the first enum value)";
        const why = sqlite
          ? 'SQLite raises no error for it'
          : `with sql_mode '${mode}' (not strict) ${db.state.mysql?.flavor ?? 'MySQL'} does not refuse it: ${rewrite}, with a warning only`;
        return {
          code: 'data-silently-changed',
          severity: p.conditional ? 'warning' : 'error',
          title: `pending ${p.revision} would rewrite rows: ${found}`,
          titleRestates: true,
          message: `Pending ${p.revision} would rewrite rows: ${found}. Its step at ${p.path}:${p.line} (op.${p.call}${p.conditional ? ', under if, for or try' : ''}) ${words.does}, and ${why}. The upgrade succeeds and the rows are changed.${rowsShown(c)}`,
          hint:
            p.kind === 'convert'
              ? `Decide what the values that are not numbers become first, in the same migration above line ${p.line} (op.execute("UPDATE ${p.table} SET ${col} = NULL WHERE …")), or keep the column's type.${sqlite ? '' : ' Better still, run Alembic with a strict sql_mode (STRICT_TRANS_TABLES), so that a step like this fails rather than rewrites.'}`
              : long
                ? `Decide what the longer values become first, in the same migration above line ${p.line} (UPDATE ${p.table} SET ${col} = … WHERE char_length(${col}) > ${p.length}), or keep the longer type. Better still, run Alembic with a strict sql_mode (STRICT_TRANS_TABLES), so that a step like this fails rather than rewrites.`
                : `Fill the NULLs with the value you mean first, in the same migration above line ${p.line}: op.execute("UPDATE ${p.table} SET ${col} = <value> WHERE ${col} IS NULL"). Better still, run Alembic with a strict sql_mode (STRICT_TRANS_TABLES), so that a step like this fails rather than rewrites.`,
          path: p.path,
          line: p.line,
          revision: p.revision,
        };
      });
  },
};
