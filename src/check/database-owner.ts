import type { LedgerRow } from '../database/ledger.js';

/** The app a database belongs to: the one that claimed it, per the ledger or an explicit hand-over. */
export interface DatabaseOwner {
  readonly app: string;
  /** `ledger`: the first release of a named app (not a review app) that applied revisions to it; `set`: `ledger owner --set`. */
  readonly from: 'ledger' | 'set';
  /** The platform's id for the app, from the first of its releases that recorded one (`app_id`). */
  readonly id?: string;
  /** Railway: the environment the claiming release ran in. */
  readonly environment?: string;
  /** The ledger row that claimed it (absent for a hand-over). */
  readonly claim?: LedgerRow;
}

/**
 * The database's owner: an explicit hand-over wins; else the app of the first ledger row a named,
 * non-review release wrote (`app`, or HEROKU_APP_NAME in a ledger written before `app` was recorded),
 * with the platform id its releases recorded. Rows of review apps never claim; a database no named
 * release migrated has no owner.
 */
export function databaseOwner(
  rows: readonly LedgerRow[] | undefined,
  handedTo?: string,
): DatabaseOwner | undefined {
  if (handedTo !== undefined) return { app: handedTo, from: 'set', ...idOf(rows, handedTo) };
  for (const row of rows ?? []) {
    const app = appOf(row);
    if (app === undefined) continue;
    const environment = row.appliedBy.RAILWAY_ENVIRONMENT_NAME;
    return {
      app,
      from: 'ledger',
      claim: row,
      ...idOf(rows, app),
      ...(environment !== undefined ? { environment } : {}),
    };
  }
  return undefined;
}

/**
 * The platform id the named app's releases recorded first: a database owned under a name is adopted
 * by the first release of that name that had an id, and is the id's from then on.
 */
function idOf(rows: readonly LedgerRow[] | undefined, app: string): { id?: string } {
  const row = rows?.find((r) => appOf(r) === app && r.appliedBy.app_id !== undefined);
  return row ? { id: row.appliedBy.app_id! } : {};
}

/** The named, non-review app that wrote a ledger row, if the row says. */
export function appOf(row: LedgerRow): string | undefined {
  const by = row.appliedBy;
  if (by.review === 'true' || by.HEROKU_PR_NUMBER !== undefined) return undefined;
  return by.app ?? by.HEROKU_APP_NAME;
}
