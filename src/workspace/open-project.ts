import { platformOf } from '../deploy/release-commands.js';
import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import type { ReleaseCommandProblem } from '../deploy/alembic-argv.js';
import type { GeneratedAtRelease } from '../deploy/generating-command.js';
import { detectAlembicVersion } from '../alembic/config/detect-alembic-version.js';
import { detectPythonVersion, parsePythonVersion, type DeclaredPython } from '../packaging/python-version.js';
import { filesChangedSince } from '../history/git-history.js';
import { parseAlembicVersion, type AlembicVersion } from '../alembic/config/alembic-version.js';
import type { ConfigOptions, ProjectConfig } from '../alembic/config/alembic-config.js';
import type { SyntaxOracle, ProjectModel } from '../alembic/loading/project-model.js';
import { releaseConfig } from '../deploy/procfile-target.js';
import type { LintScope } from '../check/lint/lint-baseline.js';
import { loadLintConfig, type LintConfig } from '../check/lint/lint-config.js';
import { LintContext } from '../check/lint/lint-context.js';
import { loadPythonParser } from '../check/lint/python-syntax.js';
import { RULES } from '../check/rules.js';
import { runCheck, type CheckResult } from '../check/run-check.js';
import { ConfigError, UsageError } from '../errors/errors.js';
import type { ResultCache } from '../project/result-cache.js';
import { pythonSyntaxOracle } from '../release/syntax-oracle.js';
import { policyOf, type CheckCommandOptions } from './command-options.js';

/**
 * The rules on a loaded project, with the project's lint settings: the graph
 * rules, then (unless --no-lint or `lint = false`) the lints.
 */
export async function checkModel(
  model: ProjectModel,
  opts: {
    lint?: boolean;
    lintOnly?: boolean;
    ignore?: readonly string[];
    strict?: boolean;
    lintSince?: readonly string[];
    lintChangedSince?: string;
    target?: string;
    targetFrom?: string;
    targetVia?: string;
    release?: ReleaseCommandProblem;
    releaseGenerates?: readonly GeneratedAtRelease[];
    lintConfig?: LintConfig;
    cache?: ResultCache;
  },
): Promise<CheckResult> {
  const config = opts.lintConfig ?? (await projectLintConfig(model.config));
  const since =
    opts.lintSince && opts.lintSince.length > 0
      ? { names: opts.lintSince, from: '--lint-since' }
      : config.lintSince;
  const linting = opts.lintOnly || (opts.lint !== false && config.lint);
  let changedSince: LintScope['changedSince'];
  if (linting && opts.lintChangedSince !== undefined) {
    const changed = filesChangedSince(model.config.files, model.config.cwd, opts.lintChangedSince);
    if ('error' in changed) throw new ConfigError(`${changed.error}.`, { hint: changed.hint });
    changedSince = { ref: opts.lintChangedSince, files: changed.files };
  }
  const lint = linting
    ? new LintContext(model, config, await loadPythonParser(), { since, changedSince }, opts.cache)
    : undefined;
  return runCheck(model, {
    policy: policyOf(opts),
    config,
    lint,
    lintOnly: opts.lintOnly,
    target: opts.target,
    targetFrom: opts.targetFrom,
    targetVia: opts.targetVia,
    release: opts.release,
    releaseGenerates: opts.releaseGenerates,
  });
}

/** The project's settings (pyproject.toml, alembic.ini): the lints', and the ledger's for verify and release. */
export function projectLintConfig(config: ProjectConfig): Promise<LintConfig> {
  return loadLintConfig(config.files, config.cwd, config.iniPath, new Set(RULES.map((r) => r.code)));
}

export function resolveAlembicVersion(
  files: ProjectFiles,
  cwd: string,
  flag: string | undefined,
): AlembicVersion {
  if (flag) {
    const v = parseAlembicVersion(flag);
    if (!v)
      throw new UsageError(`--alembic-version ${flag} is not a version.`, {
        hint: 'Use a version such as 1.13.1, or latest.',
      });
    return { ...v, source: '--alembic-version' };
  }
  const found = detectAlembicVersion(files, cwd);
  return found.source === 'default' ? found.version : { ...found.version, source: found.source };
}

export function resolvePython(
  files: ProjectFiles,
  cwd: string,
  flag: string | undefined,
): DeclaredPython | null {
  if (flag === undefined) return detectPythonVersion(files, cwd);
  const v = parsePythonVersion(flag, '--python-version');
  if (!v)
    throw new UsageError(`--python-version ${flag} is not a Python 3 version.`, {
      hint: 'Use the version the app runs on, such as 3.12 or 3.12.7.',
    });
  return v;
}

/**
 * With no -c: the ini the release phase's upgrade names (release: alembic -c db/alembic.ini upgrade head),
 * unless $ALEMBIC_CONFIG or ./alembic.ini says which ini, as it does for Alembic.
 */
export function releaseLineConfig(
  files: ProjectFiles,
  cwd: string,
  env: Readonly<Record<string, string | undefined>> | undefined,
): { config: string; from: string } | undefined {
  return env?.ALEMBIC_CONFIG || files.exists(path.join(cwd, 'alembic.ini'))
    ? undefined
    : releaseConfig(files, cwd, env ? platformOf(env) : undefined);
}

/**
 * The interpreter that will import the migrations, as the syntax oracle for the files the fast path
 * cannot clear (ALEMBIC_PREFLIGHT_PYTHON=off keeps to the static readers).
 */
export function syntaxOracle(
  opts: { readonly env: Readonly<Record<string, string | undefined>> },
  config: Pick<ProjectConfig, 'python'>,
): { syntaxOracle?: SyntaxOracle } {
  if (/^(off|0|false|no)$/iu.test(opts.env['ALEMBIC_PREFLIGHT_PYTHON'] ?? '')) return {};
  const oracle = pythonSyntaxOracle(opts.env, config.python);
  return oracle ? { syntaxOracle: oracle } : {};
}

/** The project flags every command shares, as the configuration loader takes them. */
export function configOptions(opts: CheckCommandOptions & { readonly files: ProjectFiles }): ConfigOptions {
  const files = opts.files;
  const fromRelease = opts.config === undefined ? releaseLineConfig(files, opts.cwd, opts.env) : undefined;
  return {
    cwd: opts.cwd,
    files,
    configFile: opts.config ?? fromRelease?.config,
    ...(fromRelease ? { configFileFrom: fromRelease.from } : {}),
    section: opts.name,
    versions: opts.versions,
    recursive: opts.recursive,
    env: opts.env,
    alembicVersion: resolveAlembicVersion(files, opts.cwd, opts.alembicVersion),
    python: resolvePython(files, opts.cwd, opts.pythonVersion) ?? opts.pythonFallback?.() ?? null,
  };
}
