import type { Rule } from '../finding.js';

/** The default versions folder does not exist (git does not keep empty folders). */
export const versionsFolderMissing: Rule = {
  code: 'versions-folder-missing',
  severity: 'warning',
  summary: 'The default versions folder does not exist (git does not keep empty folders).',
  check({ model }) {
    return model.config.notes
      .filter((n) => n.code === 'versions-folder-missing')
      .map((n) => ({
        code: 'versions-folder-missing',
        severity: 'warning' as const,
        message: n.message,
        hint: 'Create the versions folder with a .gitkeep file in it, or set version_locations to where your revisions are.',
        path: n.path,
        line: n.line,
        alembicError: n.alembicError,
      }));
  },
};
