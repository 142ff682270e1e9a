import type { Rule } from '../rule.js';

/** The catalog could not be read (a role kept from pg_catalog): the schema probes claim nothing. */
export const schemaProbesUnavailable: Rule = {
  code: 'schema-probes-unavailable',
  severity: 'warning',
  title: 'the schema probes could not read the catalog',
  summary:
    'The schema probes could not read the catalog (a role kept from pg_catalog, or a schema env.py picks at run time), so nothing was compared with what the migrations create.',
  check({ database: db }) {
    const why = db?.schema?.unavailable;
    if (!db || why === undefined) return [];
    return [
      {
        code: 'schema-probes-unavailable',
        severity: 'warning',
        message: `The schema probes could not read the catalog (${why}): the tables, columns, indexes and types the migrations create were not compared with the database, so a schema that disagrees with ${db.state.versionTable} goes unseen.`,
        hint: why.startsWith('this role')
          ? 'Run verify with a role that can read pg_catalog (every role can, unless a hardening script revoked it), or accept the risk with --no-schema-probes.'
          : 'The probes read the one schema the migrations write to; where env.py picks it at run time (a schema per tenant), accept the risk with --no-schema-probes.',
      },
    ];
  },
};
