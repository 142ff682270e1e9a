import { configNoteRule } from '../rule-helpers.js';

/** A version_locations entry does not exist; Alembic skips it silently. */
export const versionLocationMissing = configNoteRule(
  'version-location-missing',
  'warning',
  'A version_locations entry does not exist; Alembic skips it silently.',
  'Fix the path (relative paths are resolved against the current directory; use %(here)s/...) or remove the entry.',
);
