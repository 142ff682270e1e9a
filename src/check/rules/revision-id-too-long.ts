import type { Rule } from '../rule.js';
import { projectDialect } from '../lint/project-dialect.js';

const LIMIT = 32;

/** alembic_version.version_num is VARCHAR(32): longer ids cannot be stamped on PostgreSQL or MySQL. */
export const revisionIdTooLong: Rule = {
  code: 'revision-id-too-long',
  severity: 'error',
  title: 'a revision id is longer than 32 characters',
  summary: 'A revision id is longer than 32 characters, the width of alembic_version.version_num.',
  check({ model, database, lint }) {
    const long = model.map.revisions.filter((r) => r.script.revision.t === 'str' && [...r.id].length > LIMIT);
    if (long.length === 0) return [];
    // SQLite does not enforce the width: against a SQLite database, or in a project that plainly runs on SQLite
    // only, the id works and this is a portability warning
    const dialect = database === undefined && lint ? projectDialect(lint) : undefined;
    const sqliteOnly =
      dialect?.dialect === 'other' && dialect.databases?.every((d) => d === 'SQLite') === true;
    const severity =
      database?.state.dialect === 'sqlite' || sqliteOnly ? ('warning' as const) : ('error' as const);
    const mysql = database?.state.dialect === 'mysql' ? database.state.mysql : undefined;
    return long.map((r) => ({
      code: 'revision-id-too-long',
      severity,
      title: `revision id is ${[...r.id].length} characters; version_num holds ${LIMIT}`,
      message: `${r.file.path}: revision id '${r.id}' is ${[...r.id].length} characters; alembic_version.version_num is VARCHAR(${LIMIT}). ${
        mysql
          ? mysql.strict
            ? `${mysql.flavor} runs in strict mode (${mysql.sqlMode}): the UPDATE of alembic_version fails (1406) after this migration's DDL ran, and its DDL stays: each statement commits on its own.`
            : `${mysql.flavor} runs without a strict mode (sql_mode ${mysql.sqlMode || "''"}): it cuts the id to '${[...r.id].slice(0, LIMIT).join('')}' with only a warning, which no file defines, so the next \`alembic upgrade\` fails: Can't locate revision identified by '${[...r.id].slice(0, LIMIT).join('')}'.`
          : sqliteOnly
            ? `This project appears to run on SQLite only (${dialect!.why}), which does not enforce the width, so it works there; on PostgreSQL or MySQL the UPDATE of alembic_version fails after this migration's DDL ran.`
            : "On PostgreSQL the UPDATE of alembic_version fails after this migration's DDL ran (SQLite does not enforce the width)."
      }`,
      hint: `Shorten the id to at most ${LIMIT} characters (and the down_revision of its children), before any database is stamped with it.`,
      path: r.file.path,
      line: r.script.line,
      revision: r.id,
      // outside strict mode this upgrade succeeds (the next one fails): no failure of this run to quote
      ...(mysql?.strict === false
        ? {}
        : {
            alembicError: mysql
              ? `(1406, "Data too long for column 'version_num' at row 1")`
              : `psycopg2.errors.StringDataRightTruncation: value too long for type character varying(${LIMIT})`,
          }),
    }));
  },
};
