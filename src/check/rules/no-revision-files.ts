import type { Rule } from '../finding.js';

/** No revision file at all: nothing to check, and a stamped database cannot be located. */
export const noRevisionFiles: Rule = {
  code: 'no-revision-files',
  severity: 'warning',
  summary: 'The version locations hold no revision files.',
  check({ model }) {
    if (model.files.length > 0) return [];
    const where = model.config.versionLocations.map((l) => l.configured).join(', ') || '(none)';
    return [
      {
        code: 'no-revision-files',
        severity: 'warning',
        message: `No revision files were found in ${where}. \`alembic upgrade head\` does nothing here, and a database stamped with any revision fails with "Can't locate revision identified by …".`,
        hint: 'Check script_location / version_locations (and recursive_version_locations if revisions live in subfolders), or pass --versions DIR.',
      },
    ];
  },
};
