import { loadProjectConfig } from '../../alembic/config/alembic-config.js';
import { modelFromConfig, type ProjectModel } from '../../alembic/loading/project-model.js';
import { predictUpgrade, resolveStamps } from '../../alembic/graph/upgrade-plan.js';
import { databaseMarks, renderGraph, type GraphDatabase } from '../../report/graph-render.js';
import { configOptions } from '../../workspace/open-project.js';
import { urlSourceOf, withFiles, type CommandOutput } from '../../workspace/command-options.js';
import { openProjectAndDatabase } from '../../workspace/open-database.js';
import type { VerifyCommandOptions } from '../../workspace/command-options.js';

export interface GraphCommandOptions extends VerifyCommandOptions {
  readonly graphFormat: 'mermaid' | 'dot' | 'text';
  readonly full?: boolean;
}

/**
 * `graph`: the revision graph as Mermaid, DOT or `alembic history`'s text; with a database (a URL
 * given, or the variable set), its rows, what the upgrade would apply, and rows no file defines.
 */
export async function graphCommand(given: GraphCommandOptions): Promise<CommandOutput> {
  const opts = withFiles(given);
  const envName = urlSourceOf(opts).variable;
  let model: ProjectModel;
  let database: GraphDatabase | undefined;
  if (opts.databaseUrl !== undefined || opts.env[envName]) {
    const read = await openProjectAndDatabase(
      { ...opts, ledger: false, schemaProbes: false },
      `Pass --database-url, or set ${envName}.`,
    );
    model = read.model;
    const steps = model.failure
      ? []
      : predictUpgrade(model.map, opts.target ?? 'head', read.state.rows, read.state.versionTable).steps;
    database = databaseMarks(resolveStamps(model.map, read.state.rows), steps);
  } else {
    const loadOptions = configOptions(opts);
    model = modelFromConfig(await loadProjectConfig(loadOptions), loadOptions.alembicVersion);
  }
  const stdout = renderGraph(model, {
    format: opts.graphFormat,
    full: opts.full,
    ...(database ? { database } : {}),
  });
  return { stdout, exitCode: 0 };
}
