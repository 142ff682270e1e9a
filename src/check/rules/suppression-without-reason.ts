import { FINDING_CODES, type Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { directivesOf } from '../suppressions.js';

const KNOWN: ReadonlySet<string> = new Set(FINDING_CODES);

/** An in-file `# alembic-preflight: ignore` that is not applied: no reason given, or a code no finding has. */
export const suppressionWithoutReason: Rule = {
  code: 'suppression-without-reason',
  severity: 'warning',
  kind: 'lint',
  title: 'an ignore without a reason is not applied',
  summary:
    'A `# alembic-preflight: ignore CODE -- reason` comment without a reason, or naming no finding code, is not applied.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    for (const file of lint.files()) {
      for (const d of directivesOf(file.text, file.rev.script.line)) {
        const unknown = d.codes.filter((c) => !KNOWN.has(c));
        if (d.reason !== undefined && unknown.length === 0 && d.codes.length > 0) continue;
        const why =
          d.codes.length === 0
            ? 'names no finding code'
            : unknown.length > 0
              ? `names ${unknown.map((c) => `'${c}'`).join(', ')}, which no finding has`
              : 'gives no reason';
        out.push({
          code: 'suppression-without-reason',
          severity: 'warning',
          message: `${file.path}:${d.line}: this "# alembic-preflight: ignore" ${why}, so it suppresses nothing.`,
          hint:
            unknown.length > 0
              ? 'Write a code as reports print it in brackets (alembic-preflight check --rules lists them).'
              : 'Say why after two dashes, so the next reader can judge it: # alembic-preflight: ignore empty-downgrade -- data migration, nothing to undo',
          path: file.path,
          line: d.line,
          revision: file.rev.id,
        });
      }
    }
    return out;
  },
};
