import { upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { dataError } from '../schema/data-errors.js';
import type { DataProbe } from '../../database/data-probe.js';
import { rangeLimit } from '../../database/probe-sql.js';
import { rowCount, rowsShown, stepWords } from '../schema/data-words.js';

/**
 * A pending step the rows already in its table make fail: a NOT NULL over NULLs (or a new NOT NULL
 * column with no server default over existing rows), a unique key over duplicates, a foreign key over
 * orphans, a CHECK the rows break. Read by the data probes, read-only; the finding gives counts and
 * integer or UUID keys, never a value. A step under if, for or try may not run: then a warning.
 */
export const dataFailsStep: Rule = {
  code: 'data-fails-step',
  severity: 'error',
  title: 'the rows in the database make a pending step fail',
  summary:
    "A pending step fails on this database's rows (NULLs under a new NOT NULL, duplicates under a new unique key, orphans under a new foreign key, rows a new CHECK rejects, values a new type refuses): the upgrade stops there.",
  check({ database: db }) {
    if (!db?.data) return [];
    return db.data.checks
      .filter((c) => c.result === 'fails')
      .map((c): Finding => {
        const p = c.probe;
        const error = dataError(p, db.state, c.serverError);
        const words = stepWords(p);
        const where = `${p.path}:${p.line}`;
        const keys = rowsShown(c);
        const found = words.found(rowCount(c));
        if (p.conditional)
          return {
            code: 'data-fails-step',
            severity: 'warning',
            title: `pending ${p.revision} may fail: ${words.short(rowCount(c))}`,
            message: `On this database, ${found}. Its step at ${where} (op.${p.call}, under if, for or try) ${words.does}; if it runs on this database, \`${upgradeCommand(db)}\` stops there${error ? ` with ${error}` : ''}.${keys}`,
            hint: fixOf(p, db.words.alembic('upgrade', 'head')),
            path: p.path,
            line: p.line,
            revision: p.revision,
          };
        return {
          code: 'data-fails-step',
          severity: 'error',
          title: `pending ${p.revision} fails: ${words.short(rowCount(c))}`,
          message: `On this database, ${found}. Its step at ${where} (op.${p.call}) ${words.does}, and \`${upgradeCommand(db)}\` will stop there.${keys}`,
          hint: fixOf(p, db.words.alembic('upgrade', 'head')),
          path: p.path,
          line: p.line,
          revision: p.revision,
          ...(error ? { alembicError: error } : { failsUpgrade: true as const }),
        };
      });
  },
};

/** What to do before the upgrade runs again, per kind. */
function fixOf(p: DataProbe, upgrade: string): string {
  const cols = p.columns.join(', ');
  switch (p.kind) {
    case 'not-null':
      return `Fill the NULLs first, in the same migration above line ${p.line}: op.execute("UPDATE ${p.table} SET ${p.columns[0]} = <value> WHERE ${p.columns[0]} IS NULL"), or give the column a server_default; then ${upgrade}.`;
    case 'rows-exist':
      return `Add ${p.columns[0]} with a server_default, or nullable, then fill it (UPDATE ${p.table} SET ${p.columns[0]} = …) and set NOT NULL with op.alter_column in a later step; then ${upgrade}.`;
    case 'unique':
      return `Merge or delete the duplicates first (SELECT ${cols}, count(*) FROM ${p.table} GROUP BY ${cols} HAVING count(*) > 1 lists them), by hand or in a step above line ${p.line}; then ${upgrade}.`;
    case 'foreign-key':
      return `Delete or repair the rows of ${p.table} whose ${cols} match no row of ${p.references?.table ?? 'the referenced table'} first; or, on PostgreSQL, add the key with postgresql_not_valid=True and validate it once they are fixed; then ${upgrade}.`;
    case 'check':
      return `Fix the rows the condition rejects first, by hand or in a step above line ${p.line}; or, on PostgreSQL, add it with postgresql_not_valid=True and validate it later; then ${upgrade}.`;
    case 'length':
      return `Shorten or move the longer values first (SELECT count(*) FROM ${p.table} WHERE char_length(${cols}) > ${p.length} counts them), or keep the longer type; then ${upgrade}.`;
    case 'cast':
      return `Fix the values the cast rejects first, or make the USING expression take them (a CASE that maps them); then ${upgrade}.`;
    case 'convert':
      return `Set the values that are not ${p.castTo ?? 'integer'} numbers to what they should be first (NULL, or a number), in the same migration above line ${p.line}, or keep the column's type; then ${upgrade}.`;
    case 'range':
      return `Bring the values of ${rangeLimit(p)} or more (in absolute value) into range first, in the same migration above line ${p.line}, or keep the wider type; then ${upgrade}.`;
    case 'enum':
      return `Move the rows off the labels the new enum drops first (UPDATE ${p.table} SET ${cols} = <a kept label> WHERE ${cols} = <the dropped one>), in the same migration above line ${p.line}, or keep the label; then ${upgrade}.`;
    case 'check-auto-increment':
      return `Leave ${p.columns[0]} out of the CHECK (its values come from AUTO_INCREMENT), or check it in the app; then ${upgrade}.`;
    case 'inserted-keys':
      return `Leave out the rows the table already holds (or insert with ON CONFLICT DO NOTHING in op.execute), or delete those rows first in a step above line ${p.line}; then ${upgrade}.`;
    case 'no-cast':
      return `Give the change a USING expression, postgresql_using="${cols}::${p.castTo}", once every value takes it; then ${upgrade}.`;
  }
}
