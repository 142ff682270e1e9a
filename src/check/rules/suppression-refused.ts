import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * A suppression of a finding that predicts a failure: an in-file `# alembic-preflight: ignore`, an
 * ignore in the settings or `--ignore`, naming a finding that says Alembic, Python or the database
 * will fail (or that it cannot be known that they will not). Such a finding is a prediction, not an
 * opinion: hiding it would turn a doomed release into an OK, so it stays, and so does this note.
 * Only lints and warnings are advisory. The rule reports through run-check, which sees every
 * suppression at once; its check has nothing of its own to find.
 */
export const suppressionRefused: Rule = {
  code: 'suppression-refused',
  severity: 'warning',
  title: 'an ignore of a failing finding is not applied',
  summary:
    'An ignore (in a revision file, the settings or --ignore) names a finding that predicts a failure; those cannot be suppressed, only fixed, so it is not applied.',
  check: () => [],
};

/** Where the refused suppression is written. */
export type SuppressionSource =
  | { readonly kind: 'comment'; readonly path: string; readonly line: number }
  | { readonly kind: 'setting' }
  | { readonly kind: 'flag'; readonly spec: string };

/** The note for one refused suppression of `f`. */
export function refusedSuppression(f: Finding, from: SuppressionSource): Finding {
  const where =
    from.kind === 'comment'
      ? `The "# alembic-preflight: ignore ${f.code}" at ${from.path}:${from.line}`
      : from.kind === 'setting'
        ? `The ignore of ${f.code} in the settings`
        : `--ignore ${from.spec}`;
  return {
    code: 'suppression-refused',
    severity: 'warning',
    title: `ignore of ${f.code} not applied: it predicts a failure`,
    message: `${where} is not applied: ${f.code} predicts a failure${f.revision ? ` (${f.revision})` : ''}, so it can be fixed but not suppressed.`,
    hint: `Fix what ${f.code} reports (alembic-preflight explain ${f.code}), then remove the ignore.`,
    ...(from.kind === 'comment' ? { path: from.path, line: from.line } : {}),
    ...(f.revision ? { revision: f.revision } : {}),
  };
}
