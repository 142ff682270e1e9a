import { inlineCommentAdvice } from '../../alembic/config/ini-parser.js';
import { configNoteRule } from '../rule-helpers.js';

/** What a flag Alembic reads as off leaves out. */
const EFFECT = {
  sourceless: 'revision files that exist only as .pyc are not read',
  recursive_version_locations: 'revision files in subfolders of the version locations are not read',
} as const;

/** An alembic.ini value that Alembic reads otherwise than it looks: `True` for a flag, an inline comment. */
export const iniValueMisread = configNoteRule(
  'ini-value-misread',
  'warning',
  'an alembic.ini value reads otherwise than it looks',
  'An alembic.ini value that Alembic reads otherwise than it looks: a flag written other than "true", or an inline comment that becomes part of the value.',
  'Write the value as Alembic reads it: flags as lower-case true, comments on lines of their own.',
  (note) => {
    if (note.option === 'prepend_sys_path') {
      return {
        message: `prepend_sys_path ends in an inline comment, which Alembic reads as part of the path ${JSON.stringify(note.misreadPath)}: that folder does not exist, and the one meant is not put on sys.path, so imports of the project's own modules in env.py and the revisions can fail.`,
        hint: inlineCommentAdvice('prepend_sys_path', note.value).trimEnd(),
      };
    }
    if (note.option === 'sqlalchemy.url') {
      return {
        message:
          'sqlalchemy.url ends in an inline comment, which SQLAlchemy reads as part of the URL (the end of the database name or of the query): where env.py connects with this URL, it fails or reaches a database that was not meant.',
        // the URL may hold a password: the hint quotes the comment only
        hint: `alembic.ini has no inline comments: move ${JSON.stringify(note.comment)} to a line of its own, and keep the URL alone after "sqlalchemy.url =".`,
      };
    }
    const { option, value, comment } = note;
    return {
      message: `${option} = ${value} is off: Alembic turns it on only for the exact value "true"${comment !== undefined ? ' (an inline comment is part of the value)' : ''}, so ${EFFECT[option]}.`,
      hint:
        comment !== undefined
          ? inlineCommentAdvice(option, `true ${comment}`).trimEnd()
          : `Write ${option} = true (lower case).`,
    };
  },
);
