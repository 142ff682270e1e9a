import { configNoteRule } from '../rule-helpers.js';

/** An alembic.ini value that Alembic reads otherwise than it looks: `True` for a flag, an inline comment. */
export const iniValueMisread = configNoteRule(
  'ini-value-misread',
  'warning',
  'An alembic.ini value that Alembic reads otherwise than it looks: a flag written other than "true", or an inline comment that becomes part of the value.',
  'Write the value as Alembic reads it: flags as lower-case true, comments on lines of their own.',
);
