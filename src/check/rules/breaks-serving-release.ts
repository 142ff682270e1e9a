import type { Rule } from '../rule.js';
import { breaksServing, stepName } from '../schema/lock-grade.js';

/**
 * A pending step removes or renames what the release still serving uses (Heroku keeps it up while the
 * release phase migrates, and preboot keeps it up longer): its queries fail until the new release is up.
 */
export const breaksServingRelease: Rule = {
  code: 'breaks-serving-release',
  severity: 'warning',
  title: 'a step breaks the release still serving',
  summary:
    'A pending step drops, renames or retypes what the release still serving uses: it fails until the new code is up (expand, then contract).',
  check({ database: db }) {
    const locks = db?.locks;
    if (!locks) return [];
    return locks.steps.flatMap((s) => {
      const breaks = breaksServing(s.step);
      if (!breaks) return [];
      return [
        {
          code: 'breaks-serving-release' as const,
          severity: 'warning' as const,
          title: `${breaks.what} under the serving release`,
          message: `${stepName(s.step)} ${breaks.what} while the old release still serves. ${breaks.why[0]!.toUpperCase()}${breaks.why.slice(1)}: Heroku keeps the previous release serving while the release phase runs (and, with preboot, until the new dynos are up), so its requests fail from this step until the new code serves.${s.step.conditional ? ' The step is under if, for or try, or in a helper: it may not run.' : ''}`,
          hint: 'Expand, then contract, over two releases: first ship code that no longer uses it (keep the column or table; for a rename, add the new one and write both), then remove or rename it in a later release.',
          path: s.path,
          line: s.step.line,
          revision: s.revision,
        },
      ];
    });
  },
};
