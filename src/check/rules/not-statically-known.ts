import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** A header value depends on running Python; we refuse to guess it. */
export const notStaticallyKnown: Rule = {
  code: 'not-statically-known',
  severity: 'error',
  title: 'a revision header value is computed at run time',
  summary: 'A revision header value can only be known by running Python.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'not-statically-known',
      'error',
      () =>
        'Write the value as a plain string literal, tuple of literals or None (revision = "abc123"). If it must stay computed, review the graph by hand and silence this with --ignore not-statically-known:<revision>.',
      (file, p) => {
        const what = p.neverAssigned
          ? `${p.field} is never assigned, but ${p.reason}.`
          : `${p.field} is ${p.reason}; its value is only known when Python runs the file.`;
        return `${file.path}: ${what} alembic-preflight does not guess, so its graph may differ from Alembic's here.`;
      },
      (_file, p) =>
        `${p.field} ${p.neverAssigned ? 'is never assigned as a plain value' : 'is computed'}: only Python knows it`,
    );
  },
};
