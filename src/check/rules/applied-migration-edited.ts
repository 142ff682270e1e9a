import { appliedByText } from '../ledger-view.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/** Flyway's validate: a migration the ledger says a release applied, whose file's bytes changed since. */
export const appliedMigrationEdited: Rule = {
  code: 'applied-migration-edited',
  severity: 'warning',
  title: "an applied migration's file was edited",
  summary:
    'A migration file changed after a release applied it (the ledger keeps its SHA-256): databases that ran it keep what the old version did.',
  check({ database: db }) {
    return (db?.ledger.edited ?? []).map(({ id, path, record: rec, sha256: now }): Finding => ({
      code: 'applied-migration-edited',
      severity: 'warning',
      message: `${path}: revision ${id} changed after ${appliedByText(rec)} applied it (SHA-256 ${rec.sha256.slice(0, 12)}… then, ${now.slice(0, 12)}… now${rec.path !== path ? `; it was ${rec.path}` : ''}). Databases that already ran it keep what the old version did; a new database gets what the file says now.`,
      hint: `Put a change that must reach existing databases in a new migration, and restore this file (git log -p -- ${path}). If the edit changes nothing that runs (a comment, formatting), record the file as it is now: ${db!.words.preflight('ledger record', '--yes')}.`,
      path,
      revision: id,
    }));
  },
};
