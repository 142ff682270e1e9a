import { appIdentity } from '../deploy/app-identity.js';
import type { LintConfig } from '../check/lint/lint-config.js';
import type { Releasing } from '../check/rule.js';

/**
 * The app a run is for (the settings' name, ALEMBIC_PREFLIGHT_APP, the platform's variables) and what
 * may share its databases: what database-owned-elsewhere holds a database's owner against. `release`
 * always asks (an app nothing names gets its warning); verify and the fleets only when something names
 * the app, marks a review app or the run is on a platform, so a run on a laptop says nothing of ownership.
 */
export function releasingOf(
  env: Readonly<Record<string, string | undefined>>,
  settings: Pick<LintConfig, 'app' | 'sharedWith' | 'requireIdentity'>,
  how: { readonly share?: boolean; readonly always?: boolean } = {},
): Releasing | undefined {
  const app = appIdentity(env, settings.app);
  if (!how.always && app.name === undefined && !app.review && app.platform === undefined) return undefined;
  return {
    app,
    sharedWith: settings.sharedWith,
    share: how.share === true,
    required: settings.requireIdentity,
  };
}
