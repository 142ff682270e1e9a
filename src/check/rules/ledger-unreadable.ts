import type { Rule } from '../rule.js';
import { ledgerLabel } from '../../database/ledger.js';

/** The ledger is there but this role cannot read it: the rollback and edit checks cannot run. */
export const ledgerUnreadable: Rule = {
  code: 'ledger-unreadable',
  severity: 'warning',
  title: 'the ledger exists but cannot be read',
  summary:
    'The ledger table exists but cannot be read, so a database ahead of the code and edited migrations go unnoticed.',
  check({ database: db }) {
    const ledger = db?.state.ledger;
    if (!ledger?.unreadable) return [];
    return [
      {
        code: 'ledger-unreadable',
        severity: 'warning',
        message: `The ledger ${ledgerLabel(ledger)} exists but cannot be read (${ledger.unreadable}): whether the database is ahead of this code (a rollback) and whether applied migrations changed were not checked.`,
        hint: `Let this role read it: GRANT SELECT ON ${ledgerLabel(ledger)} TO <role>; or name another ledger with --ledger-table.`,
      },
    ];
  },
};
