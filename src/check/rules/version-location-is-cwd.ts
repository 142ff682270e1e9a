import { configNoteRule } from '../rule-helpers.js';

/** version_locations has an empty entry, which Alembic turns into the current directory. */
export const versionLocationIsCwd = configNoteRule(
  'version-location-is-cwd',
  'error',
  'version_locations has an empty entry',
  'version_locations has an empty entry, which Alembic turns into the current directory.',
  'Remove the trailing or doubled separator from version_locations (or set path_separator = os and separate with :).',
  () => ({
    message:
      'version_locations contains an empty entry (a trailing or doubled separator); Alembic turns it into the current directory and executes every .py file there.',
  }),
);
