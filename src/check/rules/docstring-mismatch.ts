import type { Rule } from '../rule.js';

/** The docstring header says one thing, the variables another; Alembic follows the variables. */
export const docstringMismatch: Rule = {
  code: 'docstring-mismatch',
  severity: 'warning',
  title: "the docstring's ids disagree with the variables",
  summary: 'The "Revision ID:" / "Revises:" docstring lines disagree with the variables.',
  cosmetic: true,
  check({ model }) {
    const out = [];
    for (const r of model.map.all) {
      const doc = r.file.docstring;
      if (!doc) continue;
      if (
        doc.revisionId !== undefined &&
        doc.revisionId !== '' &&
        r.script.revision.t === 'str' &&
        doc.revisionId !== r.id
      ) {
        out.push({
          code: 'docstring-mismatch' as const,
          severity: 'warning' as const,
          title: `the docstring's Revision ID is not revision '${r.id}'`,
          message: `${r.file.path}: the docstring says "Revision ID: ${doc.revisionId}" but revision = '${r.id}'. Alembic uses the variable; the header misleads reviewers.`,
          hint: `Change the docstring line to "Revision ID: ${r.id}".`,
          path: r.file.path,
          line: doc.line,
          revision: r.id,
        });
      }
      if (doc.revises !== undefined && r.script.uncertainFields.length === 0) {
        const written = revisesIds(doc.revises);
        const actual = r.script.versionedDownValues.map((v) => (v.t === 'str' ? v.v : '?'));
        if (written.join(',') !== actual.join(',')) {
          out.push({
            code: 'docstring-mismatch' as const,
            severity: 'warning' as const,
            title: `the docstring's Revises line is not down_revision ${actual.length ? actual.map((a) => `'${a}'`).join(', ') : 'None'}`,
            message: `${r.file.path}: the docstring says "Revises: ${doc.revises}" but down_revision is ${actual.length ? actual.map((a) => `'${a}'`).join(', ') : 'None'}. Alembic follows down_revision${actual.length === 0 && written.length > 0 ? ', so this file is a new base (and probably a second head)' : ''}.`,
            hint: `Make down_revision and the "Revises:" line agree (Revises: ${actual.join(', ')}), after checking which parent is right.`,
            path: r.file.path,
            line: r.script.downLine ?? doc.line,
            revision: r.id,
          });
        }
      }
    }
    return out;
  },
};

/**
 * The ids a "Revises:" line names. Alembic's template writes them comma
 * separated, a base as nothing; older templates and hand edits write `None`
 * or the tuple's repr (`('a1', 'b2')`).
 */
function revisesIds(text: string): string[] {
  const t = text.trim();
  if (t === 'None' || t === '<base>') return [];
  const open = t.replace(/^[([]\s*/u, '');
  // the closing bracket and the blanks before it, without a pattern that rescans a blank run from each blank
  const inner = /[)\]]$/u.test(open) ? open.slice(0, -1).trimEnd() : open;
  return inner
    .split(',')
    .map((s) => s.trim().replace(/^u?(['"])(.*)\1$/, '$2'))
    .filter((s) => s !== '');
}
