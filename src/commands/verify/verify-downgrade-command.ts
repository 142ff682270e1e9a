import { databaseLabel } from '../../database/version-table.js';
import { predictDowngrade } from '../../alembic/graph/downgrade-plan.js';
import { featuresOf } from '../../alembic/config/alembic-version.js';
import { alembicOutput } from '../../check/rule-helpers.js';
import { UsageError } from '../../errors/errors.js';
import { downgradeJson, downgradeText, type DowngradeReport } from '../../report/downgrade-report.js';
import {
  urlSourceOf,
  type CommandOutput,
  type VerifyCommandOptions,
} from '../../workspace/command-options.js';
import { openProjectAndDatabase } from '../../workspace/open-database.js';

/** `verify --downgrade TARGET`: the steps `alembic downgrade TARGET` runs, the rows after each, or its error. */
export async function verifyDowngradeCommand(
  opts: VerifyCommandOptions & { readonly downgrade: string },
): Promise<CommandOutput> {
  if (opts.downgrade.trim() === '')
    throw new UsageError('--downgrade needs a target.', {
      hint: 'Name a revision, base, -1, REV-1 or label@-1.',
    });
  if (opts.review)
    throw new UsageError(`--format ${opts.review} is for verify's findings, not --downgrade.`, {
      hint: 'Use --format text or --format json with --downgrade.',
    });
  const envName = urlSourceOf(opts).variable;
  const { state, model, urlSource } = await openProjectAndDatabase(
    { ...opts, ledger: false, schemaProbes: false },
    `Pass --database-url, or set ${envName}.`,
  );
  const f = model.failure ? alembicOutput(model.failure.failure) : undefined;
  const prediction = predictDowngrade(
    model.map,
    opts.downgrade,
    state.rows,
    featuresOf(model.alembicVersion),
    state.versionTable,
  );
  const dbName = databaseLabel(state);
  const report: DowngradeReport = {
    command: model.config.flaskMigrate
      ? `flask db downgrade ${opts.downgrade}`
      : `alembic downgrade ${opts.downgrade}`,
    database: `${dbName} (from ${urlSource.label})`,
    versionTable: state.versionTableSchema
      ? `${state.versionTableSchema}.${state.versionTable}`
      : state.versionTable,
    rows: state.rows,
    prediction,
    ...(f ? { loadFailure: f } : {}),
  };
  const ok = !f && prediction.willSucceed;
  const document = opts.format === 'json' ? downgradeJson(report) : undefined;
  return {
    stdout: document ? JSON.stringify(document, null, 2) + '\n' : downgradeText(report),
    exitCode: ok ? 0 : 1,
    document,
  };
}
