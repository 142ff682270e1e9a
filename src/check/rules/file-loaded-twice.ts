import path from 'node:path';
import type { Rule } from '../rule.js';

/** Overlapping or symlinked version locations reach the same file twice; Alembic ignores the second. */
export const fileLoadedTwice: Rule = {
  code: 'file-loaded-twice',
  severity: 'warning',
  title: 'one file is loaded twice as a migration',
  summary: 'Two version locations (or symlinks) reach the same file.',
  check({ model }) {
    return model.loadedTwice.map((t) => ({
      code: 'file-loaded-twice',
      severity: 'warning' as const,
      message: `${path.relative(model.config.cwd, t.via)} is the same file as one already loaded. Alembic warns "File ${t.realPath} loaded twice! ignoring. Please ensure version_locations is unique." and uses it once.`,
      hint: 'List each folder once in version_locations (a/ and a are the same folder) and remove duplicate symlinks.',
      path: path.relative(model.config.cwd, t.via),
    }));
  },
};
