/**
 * Which app a release runs for, so that a database can be told whose it is before it is migrated. On a
 * platform the platform says (its own id for the app, which no config var can copy: Heroku's app id
 * with dyno metadata, Fly's app, Render's service id, Railway's project, environment and service ids);
 * a name the user sets (the `app` setting, ALEMBIC_PREFLIGHT_APP) is then ignored, because pipelines
 * copy config vars to review apps. Off a platform (a shell, CI) the user's name is the app's.
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
  /** The platform the run is on, when its runtime says so (DYNO, FLY_MACHINE_ID, RENDER, RAILWAY_ENVIRONMENT_ID). */
  readonly platform?: Platform;
  /** The platform's own id for the app: `heroku:<HEROKU_APP_ID>`, `railway:<project>/<environment>/<service>`. */
  readonly id?: string;
  /** On a platform: the user's name for the app, which does not decide ownership there. */
  readonly ignored?: { readonly name: string; readonly from: string };
  /** A Heroku dyno without runtime dyno metadata (no HEROKU_APP_ID): the app cannot be told. */
  readonly noMetadata?: true;
  /** Railway: the environment's name (a service's name is the same in every environment). */
  readonly environment?: string;
}

export type Platform = 'Heroku' | 'Fly.io' | 'Render' | 'Railway';

type Env = Readonly<Record<string, string | undefined>>;

/** Off a platform, the variables that name the app, in the order they are trusted. */
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

/** A platform's id as it sets it (letters, digits, `-`); anything else is not trusted as one. */
function idPart(v: string | undefined): string | undefined {
  return v !== undefined && /^[\w-]{1,100}$/u.test(v) ? v : undefined;
}

export function appIdentity(
  env: Env,
  setting?: { readonly name: string; readonly from: string },
): AppIdentity {
  const review = reviewMarker(env);
  const reviewPart = review ? { review: true, reviewFrom: review } : { review: false };
  const own =
    setting && isAppName(setting.name)
      ? setting
      : isAppName(env.ALEMBIC_PREFLIGHT_APP)
        ? { name: env.ALEMBIC_PREFLIGHT_APP, from: 'ALEMBIC_PREFLIGHT_APP' }
        : undefined;
  const on = platformIdentity(env);
  if (on) {
    const ignored = own ? { ignored: { name: own.name, from: own.from } } : {};
    return { ...on, ...reviewPart, ...ignored };
  }
  if (own) return { name: own.name, from: own.from, ...reviewPart };
  for (const v of NAME_VARIABLES) {
    const value = env[v];
    if (isAppName(value)) return { name: value, from: v, ...reviewPart };
  }
  return reviewPart;
}

/** The platform's identity for the app, when the run is on one (its runtime's own variables say so). */
function platformIdentity(env: Env): Omit<AppIdentity, 'review'> | undefined {
  const named = (platform: Platform, id: string | undefined, variable: string) => {
    const name = env[variable];
    return {
      platform,
      ...(id !== undefined ? { id } : {}),
      ...(isAppName(name) ? { name, from: variable } : {}),
    };
  };
  if (env.DYNO) {
    const id = idPart(env.HEROKU_APP_ID);
    // HEROKU_APP_NAME alone could be a config var anyone set: only dyno metadata's pair is trusted
    if (id === undefined) return { platform: 'Heroku', noMetadata: true };
    return named('Heroku', `heroku:${id}`, 'HEROKU_APP_NAME');
  }
  if (env.FLY_MACHINE_ID || env.FLY_ALLOC_ID) {
    const app = isAppName(env.FLY_APP_NAME) ? env.FLY_APP_NAME : undefined;
    return named('Fly.io', app && `fly:${app}`, 'FLY_APP_NAME');
  }
  if (env.RENDER === 'true') {
    const id = idPart(env.RENDER_SERVICE_ID);
    return named('Render', id && `render:${id}`, 'RENDER_SERVICE_NAME');
  }
  if (env.RAILWAY_ENVIRONMENT_ID) {
    const parts = [env.RAILWAY_PROJECT_ID, env.RAILWAY_ENVIRONMENT_ID, env.RAILWAY_SERVICE_ID].map(idPart);
    const id = parts.every((p) => p !== undefined) ? `railway:${parts.join('/')}` : undefined;
    const environment = isAppName(env.RAILWAY_ENVIRONMENT_NAME) ? env.RAILWAY_ENVIRONMENT_NAME : undefined;
    return { ...named('Railway', id, 'RAILWAY_SERVICE_NAME'), ...(environment ? { environment } : {}) };
  }
  return undefined;
}

function reviewMarker(env: Env): string | undefined {
  for (const v of ['HEROKU_PR_NUMBER', 'HEROKU_BRANCH'] as const)
    if (env[v] !== undefined && env[v] !== '') return `${v}=${env[v]}`;
  // Render's preview environments
  if (env.IS_PULL_REQUEST === 'true') return 'IS_PULL_REQUEST=true';
  return undefined;
}

/** How the identity reads in a message: `shop-staging (HEROKU_APP_NAME)`, `a review app (HEROKU_PR_NUMBER=42)`. */
export function identityText(id: AppIdentity): string {
  const marks = [id.from, id.reviewFrom].filter((x): x is string => x !== undefined).join(', ');
  const what =
    id.name ??
    (id.review
      ? 'a review app'
      : id.platform
        ? `a ${id.platform} app nothing names`
        : 'an app nothing names');
  const review = id.review && id.name !== undefined ? 'review app ' : '';
  return `${review}${what}${marks ? ` (${marks})` : ''}`;
}

/**
 * Whether the app is the database's owner: never a review app; by the platform's id where both have
 * one; else by name, which on a platform is the platform's own name for the app (a database owned
 * under a name is so adopted, once, by the app the platform calls that: its ledger rows then carry
 * its id). An app on a platform that gives it no id cannot be proved to be an owner that has one. A
 * Railway service has one name in every environment: by name, only in the environment the owner's
 * release ran in (a hand-over records none: then only `production`, Railway's first environment).
 */
export function ownsDatabase(
  app: AppIdentity,
  owner: { readonly app: string; readonly id?: string; readonly environment?: string },
): boolean {
  if (app.review) return false;
  if (owner.id !== undefined && app.id !== undefined) return owner.id === app.id;
  if (owner.id !== undefined && app.platform !== undefined) return false;
  if (app.platform === 'Railway' && app.environment !== (owner.environment ?? 'production')) return false;
  return app.name !== undefined && app.name === owner.app;
}
