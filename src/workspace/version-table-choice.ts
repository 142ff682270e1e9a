import path from 'node:path';
import { readEnvPy, searchPathSetting, type EnvSetting } from '../alembic/env/env-py.js';
import { envHandover } from '../alembic/env/env-handover.js';
import type { ProjectConfig } from '../alembic/config/alembic-config.js';
import { readEnvPyText } from '../alembic/reading/source-reader.js';
import type { DatabaseTarget } from '../database/database-url.js';
import type { VersionTableRequest } from '../database/version-table.js';
import { ConfigError } from '../errors/errors.js';

/** Where the version table settings came from, for the diagnosis. */
export interface TableChoice extends VersionTableRequest {
  readonly notes: readonly string[];
}

/** The script location's env.py as Python decodes it, or '' when there is none (Alembic would fail to run at all; check reports the configuration). */
export function envPyText(config: ProjectConfig): string {
  return readEnvPyText(config) ?? '';
}

/**
 * `version_table` / `version_table_schema` exist only as `context.configure()`
 * arguments in env.py. Flags win; literal values in env.py come next; a value
 * we cannot read statically stops us rather than reading the wrong table.
 */
export function chooseVersionTable(
  config: ProjectConfig,
  opts: { versionTable?: string; versionTableSchema?: string },
  dialect: DatabaseTarget['dialect'],
  envPy = envPyText(config),
): TableChoice {
  const notes: string[] = [];
  const envPath = path.join(config.scriptDir, 'env.py');
  let rel = path.relative(config.cwd, envPath);
  // env.py that hands the run to another module's code: that module's context.configure() decides
  const handover = envHandover(envPy, config);
  if (handover?.kind === 'followed') {
    const via = rel;
    envPy = handover.text;
    rel = path.relative(config.cwd, handover.file);
    notes.push(
      `${via}:${handover.line} hands over to ${handover.module}, whose context.configure() is read (${rel})`,
    );
  } else if (handover && opts.versionTable === undefined) {
    throw new ConfigError(
      `env.py never calls context.configure() itself but hands over to ${handover.module} here, which is not a module of this repository that configures one, so the version table it uses cannot be known statically.`,
      {
        path: rel,
        line: handover.line,
        hint: 'Pass the table with --version-table (alembic_version if that code keeps the default) and its schema with --version-table-schema if it sets one.',
      },
    );
  }
  const facts = readEnvPy(envPy);
  const pick = (
    flag: string | undefined,
    settings: EnvSetting[],
    name: string,
    flagName: string,
    dflt: string | null,
  ): string | null => pickSetting({ flag, settings, name, flagName, dflt, rel }, notes);
  const tables = facts.calls.flatMap((c) => (c.versionTable ? [c.versionTable] : []));
  const schemas = facts.calls.flatMap((c) => (c.versionTableSchema ? [c.versionTableSchema] : []));
  const versionTable =
    pick(opts.versionTable, tables, 'version_table', '--version-table', 'alembic_version') ??
    'alembic_version';
  let versionTableSchema = pick(
    opts.versionTableSchema,
    schemas,
    'version_table_schema',
    '--version-table-schema',
    null,
  );
  // the migrations' unqualified objects are where env.py's own search_path puts them; the probes read that schema
  const pathSet = dialect === 'postgresql' ? searchPathSetting(envPy) : undefined;
  const objectsSchema: TableChoice['objectsSchema'] = !pathSet
    ? undefined
    : pathSet.schema !== undefined
      ? { schema: pathSet.schema }
      : {
          unknown: `${rel}:${pathSet.line} sets the search_path (${pathSet.expression}), so which schema holds the migrations' tables is not known statically`,
        };
  // an unqualified table is the one env.py's own search_path finds (the cookbook's schema-per-tenant recipe)
  const searchPath = opts.versionTableSchema === undefined && schemas.length === 0 ? pathSet : undefined;
  if (searchPath?.schema !== undefined) {
    versionTableSchema = searchPath.schema;
    notes.push(
      `version_table_schema='${searchPath.schema}' from the search_path set at ${rel}:${searchPath.line}`,
    );
  } else if (searchPath) {
    throw new ConfigError(
      `${rel} sets PostgreSQL's search_path itself (${searchPath.expression}), so which schema's ${versionTable} Alembic reads and writes cannot be known statically.`,
      {
        path: rel,
        line: searchPath.line,
        hint: 'Pass the schema env.py selects with --version-table-schema NAME (with one schema per tenant, run verify once for each).',
      },
    );
  }
  // `**kwargs` may carry either setting (Flask-Migrate's Migrate(app, db, version_table=...) does): say what was assumed
  const unpacked = facts.calls.find((c) => c.unpacked)?.unpacked;
  if (unpacked && opts.versionTable === undefined && tables.length === 0) {
    notes.push(
      `version_table='${versionTable}' assumed: ${rel}:${unpacked.line} passes ${unpacked.expression} to context.configure(), which may set another table; pass --version-table if it does`,
    );
  }
  return { versionTable, versionTableSchema, notes, ...(objectsSchema ? { objectsSchema } : {}) };
}

/** The value of one setting: the flag's (noting what it overrides), else env.py's one literal, else the default. */
function pickSetting(
  setting: {
    flag: string | undefined;
    settings: EnvSetting[];
    name: string;
    flagName: string;
    dflt: string | null;
    rel: string;
  },
  notes: string[],
): string | null {
  const { flag, settings, name, flagName, dflt, rel } = setting;
  const literal = settings.filter((s) => s.value !== undefined);
  const dynamic = settings.find((s) => s.value === undefined);
  const distinct = [...new Set(literal.map((s) => s.value))];
  if (flag !== undefined) {
    if (settings.length > 0 && !(distinct.length === 1 && distinct[0] === flag && !dynamic)) {
      const said = dynamic ? dynamic.expression! : `'${String(distinct[0])}'`;
      notes.push(`${flagName} ${flag} overrides ${name}=${said} in ${rel}:${(dynamic ?? literal[0])!.line}`);
    }
    return flag;
  }
  if (dynamic) {
    throw new ConfigError(
      `${name} in ${rel} is not a literal (${dynamic.expression}), so the version table cannot be known statically.`,
      {
        path: rel,
        line: dynamic.line,
        hint: `Pass the value with ${flagName}.`,
      },
    );
  }
  if (distinct.length > 1) {
    throw new ConfigError(
      `${rel} passes different ${name} values (${distinct.map((d) => `'${String(d)}'`).join(', ')}) to context.configure().`,
      {
        path: rel,
        line: literal[1]!.line,
        hint: `Pass the one the online migration uses with ${flagName}.`,
      },
    );
  }
  if (distinct.length === 1) {
    notes.push(
      `${name}=${distinct[0] === null ? 'None' : `'${distinct[0]}'`} from ${rel}:${literal[0]!.line}`,
    );
    return distinct[0] ?? dflt;
  }
  return dflt;
}
