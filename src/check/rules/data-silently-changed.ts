import type { DataProbe } from '../../database/data-probe.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { rangeLimit } from '../../database/probe-sql.js';
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
    "MySQL or MariaDB outside a strict sql_mode (a NOT NULL over NULLs, a shorter VARCHAR over longer values, a string column made an integer, an enum losing a label, a smaller DECIMAL), or SQLite's batch copy CASTing a type change: the step succeeds by rewriting rows.",
  check({ database: db }) {
    if (!db?.data) return [];
    const mode = db.state.mysql?.sqlMode ?? '';
    return db.data.checks
      .filter((c) => c.result === 'changes-rows')
      .map((c): Finding => {
        const p = c.probe;
        const col = p.columns[0]!;
        const words = stepWords(p);
        const found = words.found(rowCount(c));
        const sqlite = db.state.dialect === 'sqlite';
        const { rewrite, first } = rewriteOf(p, col);
        const why = sqlite
          ? 'SQLite raises no error for it'
          : `with sql_mode '${mode}' (not strict) ${db.state.mysql?.flavor ?? 'MySQL'} does not refuse it: ${rewrite}, with a warning only`;
        return {
          code: 'data-silently-changed',
          severity: p.conditional ? 'warning' : 'error',
          title: `pending ${p.revision} would rewrite rows: ${found}`,
          message: `Its step at ${p.path}:${p.line} (op.${p.call}${p.conditional ? ', under if, for or try' : ''}) ${words.does}, and ${why}. The upgrade succeeds and the rows are changed.${rowsShown(c)}`,
          hint: `${first}${sqlite ? '' : ' Better still, run Alembic with a strict sql_mode (STRICT_TRANS_TABLES), so that a step like this fails rather than rewrites.'}`,
          path: p.path,
          line: p.line,
          revision: p.revision,
        };
      });
  },
};

/** What the server makes of each offending value, and what to decide first, in the same migration above the step. */
function rewriteOf(p: DataProbe, col: string): { rewrite: string; first: string } {
  const above = `in the same migration above line ${p.line}`;
  switch (p.kind) {
    case 'convert':
      return {
        rewrite: 'each string that is not a number becomes 0 or its leading digits',
        first: `Decide what the values that are not numbers become first, ${above} (op.execute("UPDATE ${p.table} SET ${col} = NULL WHERE …")), or keep the column's type.`,
      };
    case 'length':
      return {
        rewrite: `each longer value is cut to ${p.length} characters`,
        first: `Decide what the longer values become first, ${above} (UPDATE ${p.table} SET ${col} = … WHERE char_length(${col}) > ${p.length}), or keep the longer type.`,
      };
    case 'range':
      return {
        rewrite: `each value of ${rangeLimit(p)} or more becomes the type's largest (or smallest)`,
        first: `Decide what the values out of range become first, ${above}, or keep the wider type.`,
      };
    case 'enum':
      return {
        rewrite: "each value the new enum lacks becomes '' (the error value)",
        first: `Move the rows off the dropped labels first, ${above} (UPDATE ${p.table} SET ${col} = <a kept label> WHERE ${col} = <the dropped one>), or keep the labels.`,
      };
    default:
      return {
        rewrite: "each NULL becomes the type's implicit default (0, '', the first enum value)",
        first: `Fill the NULLs with the value you mean first, ${above}: op.execute("UPDATE ${p.table} SET ${col} = <value> WHERE ${col} IS NULL").`,
      };
  }
}
