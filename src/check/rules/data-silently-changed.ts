import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { rowCount, stepWords } from '../schema/data-words.js';

/**
 * MySQL and MariaDB outside a strict sql_mode: a pending NOT NULL over NULLs does not fail, it rewrites
 * each NULL to the type's implicit default (0, '', the first enum value) with a warning no one reads.
 * Alembic succeeds and production's rows are changed: an error, since nobody asked for it.
 */
export const dataSilentlyChanged: Rule = {
  code: 'data-silently-changed',
  severity: 'error',
  title: 'a pending step would silently rewrite rows',
  summary:
    'MySQL or MariaDB outside a strict sql_mode: a pending NOT NULL over NULLs, or a shorter VARCHAR over longer values, succeeds by rewriting them.',
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
        const rewrite = long
          ? `each longer value is cut to ${p.length} characters`
          : "each NULL becomes the type's implicit default (0, '', the first enum value)";
        return {
          code: 'data-silently-changed',
          severity: p.conditional ? 'warning' : 'error',
          title: `pending ${p.revision} would rewrite rows: ${found}`,
          titleRestates: true,
          message: `Pending ${p.revision} would rewrite rows: ${found}. Its step at ${p.path}:${p.line} (op.${p.call}${p.conditional ? ', under if, for or try' : ''}) ${words.does}, and with sql_mode '${mode}' (not strict) ${db.state.mysql?.flavor ?? 'MySQL'} does not refuse it: ${rewrite}, with a warning only. The upgrade succeeds and the rows are changed.${c.keys && c.keys.length > 0 ? ` Keys: ${c.keys.join(', ')}.` : ''}`,
          hint: long
            ? `Decide what the longer values become first, in the same migration above line ${p.line} (UPDATE ${p.table} SET ${col} = … WHERE char_length(${col}) > ${p.length}), or keep the longer type. Better still, run Alembic with a strict sql_mode (STRICT_TRANS_TABLES), so that a step like this fails rather than rewrites.`
            : `Fill the NULLs with the value you mean first, in the same migration above line ${p.line}: op.execute("UPDATE ${p.table} SET ${col} = <value> WHERE ${col} IS NULL"). Better still, run Alembic with a strict sql_mode (STRICT_TRANS_TABLES), so that a step like this fails rather than rewrites.`,
          path: p.path,
          line: p.line,
          revision: p.revision,
        };
      });
  },
};
