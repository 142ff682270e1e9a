import type { Rule } from '../finding.js';

const LIMIT = 32;

/** alembic_version.version_num is VARCHAR(32): longer ids cannot be stamped on PostgreSQL or MySQL. */
export const revisionIdTooLong: Rule = {
  code: 'revision-id-too-long',
  severity: 'error',
  summary: 'A revision id is longer than 32 characters, the width of alembic_version.version_num.',
  check({ model, database }) {
    // against a SQLite database the id works (the width is not enforced): a portability warning there
    const severity = database?.state.dialect === 'sqlite' ? ('warning' as const) : ('error' as const);
    return model.map.revisions
      .filter((r) => r.script.revision.t === 'str' && [...r.id].length > LIMIT)
      .map((r) => ({
        code: 'revision-id-too-long',
        severity,
        message: `${r.file.path}: revision id '${r.id}' is ${[...r.id].length} characters; alembic_version.version_num is VARCHAR(${LIMIT}). On PostgreSQL the UPDATE of alembic_version fails after this migration's DDL ran (SQLite does not enforce the width).`,
        hint: `Shorten the id to at most ${LIMIT} characters (and the down_revision of its children), before any database is stamped with it.`,
        path: r.file.path,
        line: r.script.line,
        revision: r.id,
        alembicError: `psycopg2.errors.StringDataRightTruncation: value too long for type character varying(${LIMIT})`,
      }));
  },
};
