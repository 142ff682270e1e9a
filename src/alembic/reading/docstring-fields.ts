import type { Docstring } from './read-result.js';

// a line's blanks only (`\s` without line breaks), so that no match is tried across a run of blank lines
const DOC_REVISION_ID = /^[^\S\n\r\u2028\u2029]*Revision ID:[ \t]*(.*)/mu;
const DOC_REVISES = /^[^\S\n\r\u2028\u2029]*Revises:[ \t]*(.*)/mu;

/** A module docstring's value with the `Revision ID:` and `Revises:` lines Alembic's template writes. */
export function docstringOfText(text: string, line: number): Docstring {
  return {
    text,
    line,
    revisionId: docstringField(text, 'Revision ID:', DOC_REVISION_ID),
    revises: docstringField(text, 'Revises:', DOC_REVISES),
  };
}

/** The rest of the docstring line the pattern finds, without trailing blanks (the pattern is only tried where its words are). */
function docstringField(text: string, words: string, pattern: RegExp): string | undefined {
  return text.includes(words) ? pattern.exec(text)?.[1]!.trimEnd() : undefined;
}
