import { configNoteRule } from '../rule-helpers.js';

/** The default versions folder does not exist (git does not keep empty folders). */
export const versionsFolderMissing = configNoteRule(
  'versions-folder-missing',
  'warning',
  'the versions folder does not exist',
  'The default versions folder does not exist (git does not keep empty folders).',
  'Create the versions folder with a .gitkeep file in it, or set version_locations to where your revisions are.',
  ({ folder, failsEveryCommand }) => ({
    message: `The versions folder ${folder} does not exist${failsEveryCommand ? '; Alembic before 1.10 fails with FileNotFoundError on every command' : ''}.`,
  }),
);
