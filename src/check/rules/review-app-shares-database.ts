import path from 'node:path';
import { releaseCommands } from '../../deploy/release-commands.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * app.json's review apps (environments.review) run the release phase with no database add-on of their
 * own: their DATABASE_URL comes from the pipeline's review-app config vars (or, for review apps of the
 * old kind, the parent app's config), which is production's where that is what was set. Their release
 * phase then migrates production with a branch's migrations: the phantom stamp's commonest origin.
 */
export const reviewAppSharesDatabase: Rule = {
  code: 'review-app-shares-database',
  severity: 'warning',
  title: 'review apps release with no database of their own',
  summary:
    "app.json's review apps run the release phase with no database add-on, so their DATABASE_URL comes from the pipeline's config: production's, where that is what it holds.",
  check({ model }) {
    const { files, cwd } = model.config;
    const release = releaseCommands(files, cwd);
    if (!release || release.commands.length === 0) return [];
    const file = path.join(release.dir, 'app.json');
    const text = files.text(file);
    const app = text === undefined ? undefined : parsed(text);
    const review = app?.environments?.review;
    if (!app || !isObject(review)) return [];
    const addons = review.addons ?? app.addons ?? [];
    const where = Array.isArray(review.addons) ? 'environments.review.addons' : 'the top-level addons';
    if (!Array.isArray(addons) || addons.some(isDatabaseAddon)) return [];
    const rel = path.relative(cwd, file) || 'app.json';
    const line = lineOf(text!, /"review"\s*:/u);
    const first = release.commands[0]!;
    const named = addons.length === 0 ? 'no add-ons' : `only ${addons.map(planOf).join(', ')}`;
    const finding: Finding = {
      code: 'review-app-shares-database',
      severity: 'warning',
      title: 'review apps release with no database of their own',
      message: `${rel} declares review apps (environments.review) with ${named} (${where}), and the release phase runs \`${first.text}\` (${first.shown}:${first.line}). A review app's DATABASE_URL then comes from the pipeline's review-app config vars, or for review apps of the old kind from the parent app's config vars: where that is production's, each pull request's release phase migrates production with its branch's migrations, and production's next release fails with "Can't locate revision".`,
      // the change is to a file, not a command: the prose, then the lines to put in it
      hint: `Give review apps a database of their own in ${rel} (each then gets its own DATABASE_URL), and keep DATABASE_URL out of the pipeline's review-app config vars. Once production's ledger names its app, alembic-preflight release also refuses a review app's upgrade of it (database-owned-elsewhere).\n"environments": { "review": { "addons": ["heroku-postgresql"] } }`,
      path: rel,
      ...(line !== undefined ? { line } : {}),
    };
    return [finding];
  },
};

interface AppJson {
  readonly addons?: unknown;
  readonly environments?: { readonly review?: unknown };
}

function parsed(text: string): AppJson | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? (v as AppJson) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> & { addons?: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An add-on as app.json writes it: "plan" or { "plan": "…", "as": "…" }. */
function planOf(addon: unknown): string {
  if (typeof addon === 'string') return addon;
  return isObject(addon) && typeof addon.plan === 'string' ? addon.plan : '(an add-on)';
}

/** Heroku Postgres, or the MySQL add-ons: a database of the review app's own. */
function isDatabaseAddon(addon: unknown): boolean {
  return /^(heroku-postgresql|jawsdb|jawsdb-maria|cleardb)(:|$)/u.test(planOf(addon));
}

function lineOf(text: string, pattern: RegExp): number | undefined {
  const i = text.split('\n').findIndex((l) => pattern.test(l));
  return i < 0 ? undefined : i + 1;
}
