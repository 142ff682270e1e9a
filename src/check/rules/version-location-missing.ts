import { inlineCommentAdvice } from '../../alembic/config/ini-parser.js';
import { backslashAdvice, caseAdvice } from '../../alembic/config/location-advice.js';
import { configNoteRule } from '../rule-helpers.js';

/** A version_locations entry does not exist; Alembic skips it silently. */
export const versionLocationMissing = configNoteRule(
  'version-location-missing',
  'warning',
  'a version_locations entry does not exist',
  'A version_locations entry does not exist; Alembic skips it silently.',
  'Fix the path (relative paths are resolved against the current directory; use %(here)s/...) or remove the entry.',
  (note) => {
    if ('fromComment' in note) {
      const one = note.fromComment.length === 1;
      const names = note.fromComment.map((e) => JSON.stringify(e)).join(', ');
      return {
        message: `version_locations ends in an inline comment, which Alembic reads as part of the value: ${one ? 'the entry' : 'the entries'} ${names} ${one ? 'does' : 'do'} not exist, and Alembic skips ${one ? 'it' : 'them'} silently.`,
        hint: inlineCommentAdvice('version_locations', note.written).trimEnd(),
      };
    }
    const { spelling } = note;
    return {
      message: `version_locations entry ${JSON.stringify(note.entry)} does not exist; Alembic skips it silently.`,
      ...(spelling
        ? {
            hint:
              spelling.kind === 'backslash'
                ? backslashAdvice(spelling.option, spelling.slashed)
                : caseAdvice(spelling.what, spelling.cased),
          }
        : {}),
    };
  },
);
