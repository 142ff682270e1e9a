import type { Rule } from '../rule.js';
import type { InvalidRevisionValue } from '../../alembic/loading/script-loader.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** revision is an int, None, bytes or a tuple instead of a string (or, before Alembic 1.12.1, down_revision an int). */
export const invalidRevisionValue: Rule = {
  code: 'invalid-revision-value',
  severity: 'error',
  title: 'a revision variable is not a usable id',
  summary:
    'revision is not a non-empty string (an int, None, bytes, a tuple, ""), or down_revision is an int or a bool.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'invalid-revision-value',
      'error',
      (_f, p) =>
        p.field === 'down_revision'
          ? 'Quote the id: down_revision = "abc123".'
          : 'Quote the id: revision = "abc123".',
      (file, p) => `${file.path}: ${whatIsWrong(p)}`,
    );
  },
};

/** The value, and what Alembic does with it. */
function whatIsWrong(p: InvalidRevisionValue): string {
  switch (p.why) {
    case 'not-a-string':
      return `${p.field} = ${p.repr} is not a string.${p.typeError ? ` ${p.typeError}` : ''}`;
    case 'keyword':
      return `revision = '${p.word}' is one of Alembic's own words. Alembic loads it, but reads every mention of it as the word: \`alembic upgrade\` then runs other revisions than this one, or fails with "Multiple head revisions are present".`;
    case 'empty':
      return 'revision = "" is the empty string. Alembic loads it, but when it is the head, `alembic upgrade head` resolves to nothing and silently runs no migration at all.';
    case 'tuple':
      return `revision = ${p.repr} is a tuple, not a string. Alembic files the revision under the tuple itself: a down_revision naming it finds nothing, and when it is the head \`alembic upgrade head\` ${
        p.empty
          ? 'resolves to nothing (the empty tuple is false) and silently runs no migration at all'
          : "fails with TypeError: int() argument must be a string, a bytes-like object or a real number, not 'tuple'"
      }.`;
    case 'bytes':
      return `revision = ${p.repr} is bytes, not a string; Alembic builds the graph but fails when it resolves it: revision identifier ${p.repr} is not a string; ensure database driver settings are correct`;
  }
}
