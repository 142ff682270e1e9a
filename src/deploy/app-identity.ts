/**
 * Which app a release runs for, so that a database can be told whose it is before it is migrated: the
 * tool's own setting, else ALEMBIC_PREFLIGHT_APP, else the platform's variables. A Heroku review app is
 * known by HEROKU_PR_NUMBER or HEROKU_BRANCH even when it has no name (its name needs dyno metadata).
 */
export interface AppIdentity {
  /** The app's name, when something names it. */
  readonly name?: string;
  /** Where the name came from: `ALEMBIC_PREFLIGHT_APP`, `HEROKU_APP_NAME`, `app in pyproject.toml`, … */
  readonly from?: string;
  /** A review app (a pull request's): it never claims a database, and never migrates another app's. */
  readonly review: boolean;
  /** What says it is a review app: `HEROKU_PR_NUMBER=42`, `HEROKU_BRANCH=feature-x`. */
  readonly reviewFrom?: string;
}

/** Each platform's variable for the app's (or service's) name, in the order they are trusted. */
const NAME_VARIABLES = [
  'ALEMBIC_PREFLIGHT_APP',
  'HEROKU_APP_NAME',
  'FLY_APP_NAME',
  'RENDER_SERVICE_NAME',
  'RAILWAY_SERVICE_NAME',
] as const;

/** An app's name as platforms write them (letters, digits, `_ . -`); anything else is not trusted as one. */
export function isAppName(v: unknown): v is string {
  return typeof v === 'string' && /^[\w.-]{1,100}$/u.test(v);
}

export function appIdentity(
  env: Readonly<Record<string, string | undefined>>,
  setting?: { readonly name: string; readonly from: string },
): AppIdentity {
  const review = reviewMarker(env);
  const reviewPart = review ? { review: true, reviewFrom: review } : { review: false };
  if (setting && isAppName(setting.name)) return { name: setting.name, from: setting.from, ...reviewPart };
  for (const v of NAME_VARIABLES) {
    const value = env[v];
    if (isAppName(value)) return { name: value, from: v, ...reviewPart };
  }
  return reviewPart;
}

function reviewMarker(env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const v of ['HEROKU_PR_NUMBER', 'HEROKU_BRANCH'] as const)
    if (env[v] !== undefined && env[v] !== '') return `${v}=${env[v]}`;
  // Render's preview environments
  if (env.IS_PULL_REQUEST === 'true') return 'IS_PULL_REQUEST=true';
  return undefined;
}

/** How the identity reads in a message: `shop-staging (HEROKU_APP_NAME)`, `a review app (HEROKU_PR_NUMBER=42)`. */
export function identityText(id: AppIdentity): string {
  const marks = [id.from, id.reviewFrom].filter((x): x is string => x !== undefined).join(', ');
  const what = id.name ?? (id.review ? 'a review app' : 'an app nothing names');
  const review = id.review && id.name !== undefined ? 'review app ' : '';
  return `${review}${what}${marks ? ` (${marks})` : ''}`;
}
