import { predictUpgrade } from '../../alembic/graph/upgrade-plan.js';
import { appWords } from '../../check/app-words.js';
import { deployOrigin } from '../../deploy/procfile-target.js';
import { gatherDeploy, gradedTarget } from '../../workspace/deploy-facts.js';
import { releaseLineShown } from '../../report/text-report.js';
import { upgradeAs } from '../../check/db-helpers.js';
import { restampRow, restampSql } from '../../database/restamp.js';
import { UsageError } from '../../errors/errors.js';
import { urlSourceOf, type CommandOutput } from '../../workspace/command-options.js';
import { openProjectAndDatabase, readVersionTable } from '../../workspace/open-database.js';
import type { VerifyCommandOptions } from '../../workspace/command-options.js';

export interface RestampCommandOptions extends VerifyCommandOptions {
  readonly from: string;
  readonly to: string;
  readonly yes?: boolean;
}

/**
 * The renamed-file fix: the database holds a migration's old id, the code
 * has the same migration under a new one. Replaces exactly that row, only
 * when NEW is in the graph and OLD is a current row; a dry run unless --yes.
 */
export async function restampCommand(opts: RestampCommandOptions): Promise<CommandOutput> {
  if (opts.from === opts.to)
    throw new UsageError('--from and --to are the same revision.', {
      hint: 'Name the old id (in the database) and the new id (in the code).',
    });
  const { table, db, state, model, connection } = await openProjectAndDatabase(
    { ...opts, schemaProbes: false },
    `Pass --database-url, or set ${urlSourceOf(opts).variable}.`,
  );
  const facts = gatherDeploy(opts, model.config);
  const deploy = facts.target;
  const target = gradedTarget(opts.target, facts);
  const upgrade = upgradeAs(appWords(model.config), target);
  const lines = [
    `alembic-preflight restamp ${opts.from} → ${opts.to} (${opts.yes ? 'applying' : 'dry run'})`,
  ];
  if (deploy) {
    const origin = deployOrigin(deploy);
    lines.push(
      `target: \`${upgrade}\`, the release line in ${releaseLineShown(origin.targetFrom, origin.targetVia)}`,
    );
  }
  lines.push('');
  const refuse = (why: string, fix: string): CommandOutput => ({
    stdout: [...lines, `REFUSED: ${why}`, `  fix: ${fix}`].join('\n') + '\n',
    exitCode: 1,
  });

  if (model.failure)
    return refuse(
      `the revision files do not load (${model.failure.failure.message}).`,
      'alembic-preflight check shows what to fix first.',
    );
  const newRev = model.map.byKey.get(opts.to);
  if (!newRev || newRev.id !== opts.to)
    return refuse(
      `'${opts.to}' is not a revision in the repository.`,
      'Give the full id of the renamed migration as --to.',
    );
  if (!state.exists)
    return refuse(
      `the table ${state.versionTable} does not exist in the database.`,
      'There is nothing to restamp.',
    );
  if (!state.rows.includes(opts.from)) {
    return refuse(
      `'${opts.from}' is not a row of ${state.versionTable} (rows: ${state.rows.map((r) => (typeof r === 'string' ? r : String(r))).join(', ') || 'none'}).`,
      'Give the id the database holds as --from.',
    );
  }
  if (state.rows.includes(opts.to))
    return refuse(
      `'${opts.to}' is already a row of ${state.versionTable}.`,
      `Delete the stale row instead: DELETE FROM ${state.versionTable} WHERE version_num = '${opts.from}';`,
    );
  const after = state.rows.map((r) => (r === opts.from ? opts.to : r));
  const prediction = predictUpgrade(model.map, target, after);
  const sql = restampSql(table, opts.from, opts.to);
  lines.push(`SQL (one transaction; commits only if exactly one row changes): ${sql}`);
  lines.push(
    prediction.willSucceed
      ? `then \`${upgrade}\` ${prediction.steps.length === 0 ? 'runs nothing' : `runs ${prediction.steps.map((s) => s.revision).join(' → ')}`}`
      : `then \`${upgrade}\` is still predicted to fail: ${prediction.cliOutput ?? prediction.unpredictable}`,
  );
  lines.push('');
  if (!opts.yes) {
    lines.push('Dry run: nothing changed. Run again with --yes to apply.');
    return { stdout: lines.join('\n') + '\n', exitCode: 0 };
  }
  await restampRow(db, table, opts.from, opts.to, connection);
  const check = await readVersionTable(db, table, connection);
  const rows = check.rows.map((r) => (typeof r === 'string' ? r : String(r)));
  lines.push(`DONE: ${state.versionTable} now holds ${rows.join(', ')}.`);
  return { stdout: lines.join('\n') + '\n', exitCode: 0 };
}
