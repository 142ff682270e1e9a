import { isAppName } from '../../deploy/app-identity.js';
import { latestByRevision } from '../../check/ledger-view.js';
import { appliedBy, ledgerRows } from '../../check/ledger-rows.js';
import { databaseOwner } from '../../check/database-owner.js';
import { OWNER_TABLE, ownerSchema, writeOwner } from '../../database/ledger-owner.js';
import { UsageError } from '../../errors/errors.js';
import type { Rev } from '../../alembic/graph/revision-map.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import { resolveStamps } from '../../alembic/graph/upgrade-plan.js';
import { Resolver } from '../../alembic/graph/resolver.js';
import { historyOrder } from '../../report/graph-render.js';
import { ledgerWriteOf, writeLedger } from '../../database/write-ledger.js';
import { ledgerLabel } from '../../database/ledger.js';
import type { LedgerRow } from '../../database/ledger.js';
import { urlSourceOf, type CommandOutput } from '../../workspace/command-options.js';
import { openProjectAndDatabase, postgresOptions } from '../../workspace/open-database.js';
import type { VerifyCommandOptions } from '../../workspace/command-options.js';

export interface LedgerCommandOptions extends VerifyCommandOptions {
  readonly yes?: boolean;
}

/**
 * `ledger record`: puts in the ledger the revisions the database holds (its rows and everything
 * below them, as Alembic counts them applied) that the ledger lacks or holds with other bytes: for a
 * database older than the ledger, or to accept an applied file's harmless edit. A dry run unless --yes.
 */
export async function ledgerRecordCommand(opts: LedgerCommandOptions): Promise<CommandOutput> {
  const { table, db, state, model, ledgerTable } = await openProjectAndDatabase(
    { ...opts, ledger: true, schemaProbes: false },
    `Pass --database-url, or set ${urlSourceOf(opts).variable}.`,
  );
  const name = ledgerTable!;
  const head = `alembic-preflight ledger record: ${name} (${opts.yes ? 'writing' : 'dry run'})`;
  const refuse = (why: string, fix: string): CommandOutput =>
    output(opts, { ok: false, table: name, written: false, rows: [], refused: why }, [
      head,
      '',
      `REFUSED: ${why}`,
      `  fix: ${fix}`,
    ]);
  if (model.failure)
    return refuse(
      `the revision files do not load (${model.failure.failure.message}).`,
      'alembic-preflight check shows what to fix first.',
    );
  if (state.ledger?.unreadable)
    return refuse(
      `the ledger cannot be read (${state.ledger.unreadable}).`,
      `GRANT SELECT, INSERT ON ${name} TO <role>.`,
    );
  const stamps = resolveStamps(model.map, state.rows);
  const unknown = stamps.filter((s) => s.how === 'failed');
  if (unknown.length > 0) {
    return refuse(
      `the ${state.versionTable} row${unknown.length === 1 ? '' : 's'} ${unknown.map((s) => `'${String(s.value)}'`).join(', ')} name${unknown.length === 1 ? 's' : ''} no revision of this code.`,
      'alembic-preflight verify explains the row; record from the code that has its file.',
    );
  }
  const applied = appliedRevisions(
    model,
    stamps.flatMap((s) => (s.how === 'failed' ? [] : s.revisions)),
  );
  const known = latestByRevision(state.ledger);
  // recorded after the fact: says so, where a release's row says which release applied it
  const fresh = ledgerRows(
    model,
    applied.map((r) => ({ revision: r.id, downRevisions: [], versionOps: [] })),
    opts.env,
    opts.cwd,
  ).map((r) => ({ ...r, appliedBy: { ...r.appliedBy, recordedBy: 'ledger record' } }));
  const rows = fresh.filter((r) => known.get(r.revision)?.sha256 !== r.sha256);
  const create = state.ledger?.exists !== true;
  const write = ledgerWriteOf(name, state.ledger, table.versionTableSchema);
  const moves = write.relocate?.from !== undefined;
  const lines = [head, ''];
  if (rows.length === 0 && !create && !moves)
    lines.push(
      `Nothing to record: ${name} already holds the ${applied.length} revision${applied.length === 1 ? '' : 's'} the database has, with these files' bytes.`,
    );
  else {
    const at = ledgerLabel({ table: name, ...(write.schema !== null ? { schema: write.schema } : {}) });
    if (create)
      lines.push(
        `${opts.yes ? 'Creates' : 'Would create'} ${at}${write.schema === null ? ` beside ${state.versionTable}` : ''}.`,
      );
    if (moves)
      lines.push(
        `${opts.yes ? 'Moves' : 'Would move'} the ledger from ${ledgerLabel(state.ledger!)} to ${at}, out of the app's schema.`,
      );
    for (const r of rows)
      lines.push(
        `  ${r.revision}  ${r.path}  sha256 ${r.sha256.slice(0, 12)}…${known.has(r.revision) ? ' (the file changed since it was recorded)' : ''}`,
      );
    lines.push(
      '',
      opts.yes
        ? `Recorded ${rows.length} revision${rows.length === 1 ? '' : 's'}.`
        : `Run again with --yes to record ${rows.length} revision${rows.length === 1 ? '' : 's'} (one transaction).`,
    );
  }
  if (opts.yes && (rows.length > 0 || create || moves)) {
    const written = await writeLedger(db, write, rows, postgresOptions(opts));
    if (written.stayed !== undefined)
      lines.push(`It stays beside the version table (${written.label}): ${written.stayed}.`);
  }
  return output(
    opts,
    {
      ok: true,
      table: name,
      written: opts.yes === true && (rows.length > 0 || create || moves),
      created: create && opts.yes === true,
      rows,
    },
    lines,
  );
}

interface LedgerDocument {
  readonly ok: boolean;
  readonly table: string;
  readonly written: boolean;
  readonly created?: boolean;
  readonly rows: readonly LedgerRow[];
  readonly refused?: string;
}

function output(opts: LedgerCommandOptions, doc: LedgerDocument, lines: readonly string[]): CommandOutput {
  const document =
    opts.format === 'json' ? { schemaVersion: 1, command: 'ledger record', ...doc } : undefined;
  return {
    stdout: document ? JSON.stringify(document, null, 2) + '\n' : lines.join('\n') + '\n',
    exitCode: doc.ok ? 0 : 1,
    document,
  };
}

/** The revisions at or below `heads` (down revisions and dependencies), parents first. */
function appliedRevisions(model: ProjectModel, heads: readonly string[]): Rev[] {
  const below = new Set(
    new Resolver(model.map).ancestors(
      heads.flatMap((h) => model.map.byKey.get(h) ?? []),
      true,
      false,
      'stamp',
    ),
  );
  return historyOrder(model)
    .reverse()
    .filter((r) => below.has(r));
}

export interface LedgerOwnerOptions extends LedgerCommandOptions {
  /** `--set APP`: hand the database to this app (a dry run unless --yes). */
  readonly set?: string;
}

/**
 * `ledger owner`: which app the database belongs to (a hand-over, else the first named release in its
 * ledger); `--set APP` hands it to another, for a copy that now serves that app (a dry run unless --yes).
 */
export async function ledgerOwnerCommand(opts: LedgerOwnerOptions): Promise<CommandOutput> {
  const { table, db, state, ledgerTable, model } = await openProjectAndDatabase(
    { ...opts, ledger: true, schemaProbes: false },
    `Pass --database-url, or set ${urlSourceOf(opts).variable}.`,
  );
  const pg = postgresOptions(opts);
  // read with the ledger, on the connection verify and release read it on
  const owner = databaseOwner(state.ledger?.rows, state.ledger?.owner);
  const now = owner
    ? `${owner.app} (${owner.from === 'set' ? 'handed to it with ledger owner --set' : `its release applied ${owner.claim!.revision} first, per the ledger ${ledgerTable}`}${owner.id ? `; held by its platform id ${owner.id}` : ''})`
    : 'no app: no named release has applied revisions to it through alembic-preflight release';
  const lines = [
    `alembic-preflight ledger owner: ${opts.set === undefined ? 'read' : opts.yes ? 'writing' : 'dry run'}`,
    '',
    `Owner: ${now}.`,
  ];
  let written = false;
  if (opts.set !== undefined) {
    if (!isAppName(opts.set))
      throw new UsageError(`--set ${JSON.stringify(opts.set)} is not an app name.`, {
        hint: 'Name the app as the platform does: letters, digits, _ . - (heroku apps lists them).',
      });
    if (owner?.app === opts.set && owner.from === 'set')
      lines.push(`Nothing to do: it is ${opts.set}'s already.`);
    else if (opts.yes) {
      // a database plain Alembic migrated has no ledger yet: the owner table goes where the ledger does, so it is created first
      let schema = ownerSchema(state.ledger, table.versionTableSchema);
      if (ledgerTable !== undefined && state.ledger?.exists !== true) {
        const to = ledgerWriteOf(ledgerTable, state.ledger, table.versionTableSchema);
        const made = await writeLedger(db, to, [], pg);
        schema = made.stayed !== undefined ? (to.fallback?.schema ?? to.schema) : to.schema;
        lines.push(`Created the ledger ${made.label} (this database had none).`);
      }
      await writeOwner(db, schema, opts.set, appliedBy(opts.env, model), pg);
      written = true;
      lines.push(
        `Handed to ${opts.set}: its releases may migrate this database now, and ${owner?.app ?? 'no other app'}'s may not.`,
      );
    } else
      lines.push(
        `Would hand it to ${opts.set} (a row in ${OWNER_TABLE} beside the ledger${state.ledger?.exists === true ? '' : `, which it would create first: this database has none`}). Run again with --yes to write it.`,
      );
  }
  const document =
    opts.format === 'json'
      ? {
          schemaVersion: 1,
          command: 'ledger owner',
          ok: true,
          owner: owner ? { app: owner.app, from: owner.from, revision: owner.claim?.revision ?? null } : null,
          set: opts.set ?? null,
          written,
        }
      : undefined;
  return {
    stdout: document ? JSON.stringify(document, null, 2) + '\n' : lines.join('\n') + '\n',
    exitCode: 0,
    document,
  };
}
