import path from 'node:path';
import { diskFiles, type ProjectFiles } from '../project/project-files.js';
import type { ReleaseCommandProblem } from '../deploy/alembic-argv.js';
import type { GeneratedAtRelease } from '../deploy/generating-command.js';
import { detectAlembicVersion } from '../alembic/detect-alembic-version.js';
import { detectPythonVersion, parsePythonVersion, type DeclaredPython } from '../packaging/python-version.js';
import { filesChangedSince } from '../history/git-history.js';
import { parseAlembicVersion, type AlembicVersion } from '../alembic/alembic-version.js';
import { loadProjectConfig, type ConfigOptions, type ProjectConfig } from '../alembic/alembic-config.js';
import { modelFromConfig, type SyntaxOracle, type ProjectModel } from '../alembic/project-model.js';
import { RELATIVE } from '../alembic/upgrade-plan.js';
import { deployOrigin, procfileTarget, releaseConfig, releaseGenerates, releaseProblem } from '../deploy/procfile-target.js';
import type { LintScope } from '../check/lint/lint-baseline.js';
import { loadLintConfig, type LintConfig } from '../check/lint/lint-config.js';
import { LintContext } from '../check/lint/lint-context.js';
import { loadPythonParser } from '../check/lint/python-syntax.js';
import { RULES } from '../check/rules.js';
import { runCheck, type CheckResult } from '../check/run-check.js';
import { ConfigError, UsageError } from '../errors/errors.js';
import { checkJson } from '../report/json-report.js';
import { checkText } from '../report/text-report.js';
import type { ResultCache } from '../project/result-cache.js';
import { githubAnnotations, markdownSummary, sarifLog } from '../report/review-formats.js';
import { renderGraph, type GraphDatabase } from '../report/graph-render.js';
import { readingCache, saveReadingCache, type CacheOptions } from './reading-cache.js';
import { pythonSyntaxOracle } from '../release/syntax-oracle.js';

export interface CheckCommandOptions extends CacheOptions {
  readonly cwd: string;
  readonly config?: string;
  readonly name?: string;
  readonly versions?: readonly string[];
  readonly recursive?: boolean;
  readonly alembicVersion?: string;
  /** --python-version: the Python the project runs on, over runtime.txt and .python-version. */
  readonly pythonVersion?: string;
  /** Where to find the Python when neither --python-version nor a file declares one (release: the dyno's interpreter). */
  readonly pythonFallback?: () => DeclaredPython | null;
  readonly format: 'text' | 'json';
  /** The tool's version, for reports that name it (SARIF). */
  readonly toolVersion?: string;
  /** --format github, markdown or sarif (check and verify): annotations, a step summary or a SARIF log instead of the report. */
  readonly review?: 'github' | 'markdown' | 'sarif';
  /** The width text reports wrap at (the CLI passes the terminal's; 100 otherwise). */
  readonly width?: number;
  readonly strict?: boolean;
  readonly ignore?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** false: --no-lint. */
  readonly lint?: boolean;
  readonly lintOnly?: boolean;
  /** --lint-since: replaces the configured lint-since. */
  readonly lintSince?: readonly string[];
  /** --target: the upgrade target the deploy runs (default head). */
  readonly target?: string;
  /** --lint-changed-since: lint only revision files changed since this git ref. */
  readonly lintChangedSince?: string;
  /** The run's reader of the project (a library caller or a test may hand one in); the disk, read once, when absent. */
  readonly files?: ProjectFiles;
}

/** The options with the run's reader of the project settled: every step of one run reads through the same one. */
export function withFiles<T extends { readonly files?: ProjectFiles }>(opts: T): T & { readonly files: ProjectFiles } {
  return opts.files ? (opts as T & { readonly files: ProjectFiles }) : { ...opts, files: diskFiles() };
}

export interface CommandOutput {
  readonly stdout: string;
  readonly exitCode: number;
  /** With --format json: the document stdout holds, so the entry redacts it without parsing stdout again. */
  readonly document?: unknown;
}

/**
 * The rules on a loaded project, with the project's lint settings: the graph
 * rules, then (unless --no-lint or `lint = false`) the lints.
 */
export async function checkModel(
  model: ProjectModel,
  opts: { lint?: boolean; lintOnly?: boolean; ignore?: readonly string[]; strict?: boolean; lintSince?: readonly string[]; lintChangedSince?: string; target?: string; targetFrom?: string; targetVia?: string; release?: ReleaseCommandProblem; releaseGenerates?: readonly GeneratedAtRelease[]; lintConfig?: LintConfig; cache?: ResultCache },
): Promise<CheckResult> {
  const config = opts.lintConfig ?? (await projectLintConfig(model.config));
  const since = opts.lintSince && opts.lintSince.length > 0 ? { names: opts.lintSince, from: '--lint-since' } : config.lintSince;
  const linting = opts.lintOnly || (opts.lint !== false && config.lint);
  let changedSince: LintScope['changedSince'];
  if (linting && opts.lintChangedSince !== undefined) {
    const changed = filesChangedSince(model.config.files, model.config.cwd, opts.lintChangedSince);
    if ('error' in changed) throw new ConfigError(`${changed.error}.`, { hint: changed.hint });
    changedSince = { ref: opts.lintChangedSince, files: changed.files };
  }
  const lint = linting ? new LintContext(model, config, await loadPythonParser(), { since, changedSince }, opts.cache) : undefined;
  return runCheck(model, { ignore: opts.ignore, strict: opts.strict, config, lint, lintOnly: opts.lintOnly, target: opts.target, targetFrom: opts.targetFrom, targetVia: opts.targetVia, release: opts.release, releaseGenerates: opts.releaseGenerates });
}

/** The project's settings (pyproject.toml, alembic.ini): the lints', and the ledger's for verify and release. */
export function projectLintConfig(config: ProjectConfig): Promise<LintConfig> {
  return loadLintConfig(config.files, config.cwd, config.iniPath, new Set(RULES.map((r) => r.code)));
}

export function resolveAlembicVersion(files: ProjectFiles, cwd: string, flag: string | undefined): AlembicVersion {
  if (flag) {
    const v = parseAlembicVersion(flag);
    if (!v) throw new UsageError(`--alembic-version ${flag} is not a version.`, { hint: 'Use a version such as 1.13.1, or latest.' });
    return { ...v, source: '--alembic-version' };
  }
  const found = detectAlembicVersion(files, cwd);
  return found.source === 'default' ? found.version : { ...found.version, source: found.source };
}

export function resolvePython(files: ProjectFiles, cwd: string, flag: string | undefined): DeclaredPython | null {
  if (flag === undefined) return detectPythonVersion(files, cwd);
  const v = parsePythonVersion(flag, '--python-version');
  if (!v) throw new UsageError(`--python-version ${flag} is not a Python 3 version.`, { hint: 'Use the version the app runs on, such as 3.12 or 3.12.7.' });
  return v;
}

/**
 * With no -c: the ini the release phase's upgrade names (release: alembic -c db/alembic.ini upgrade head),
 * unless $ALEMBIC_CONFIG or ./alembic.ini says which ini, as it does for Alembic.
 */
export function releaseLineConfig(files: ProjectFiles, cwd: string, env: Readonly<Record<string, string | undefined>> | undefined): { config: string; from: string } | undefined {
  return env?.ALEMBIC_CONFIG || files.exists(path.join(cwd, 'alembic.ini')) ? undefined : releaseConfig(files, cwd);
}

/**
 * The interpreter that will import the migrations, as the syntax oracle for the files the fast path
 * cannot clear (ALEMBIC_PREFLIGHT_PYTHON=off keeps to the static readers).
 */
export function syntaxOracle(opts: { readonly env: Readonly<Record<string, string | undefined>> }, config: Pick<ProjectConfig, 'python'>): { syntaxOracle?: SyntaxOracle } {
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

export async function checkCommand(given: CheckCommandOptions): Promise<CommandOutput & { result: CheckResult }> {
  const opts = withFiles(given);
  if (opts.lint === false && opts.lintOnly) throw new UsageError('--no-lint and --lint-only contradict each other.', { hint: 'Use one of them.' });
  if (opts.target !== undefined && (opts.target.trim() === '' || RELATIVE.test(opts.target))) {
    throw new UsageError(`check --target takes head, heads, LABEL@head or a revision, not '${opts.target}'.`, {
      hint: 'A relative target (+1, -1, LABEL@+2) depends on where the database is: use verify --target with the database instead.',
    });
  }
  if (opts.lint === false && ((opts.lintSince && opts.lintSince.length > 0) || opts.lintChangedSince !== undefined)) {
    throw new UsageError(`${opts.lintChangedSince !== undefined ? '--lint-changed-since' : '--lint-since'} has no effect with --no-lint.`, { hint: 'Drop one of them.' });
  }
  const loadOptions = configOptions(opts);
  const config = await loadProjectConfig(loadOptions);
  // the lints' settings first: a run that lints keeps each revision file's text from the one reading
  const lintConfig = await projectLintConfig(config);
  const linting = opts.lintOnly === true || (opts.lint !== false && lintConfig.lint);
  const cache = readingCache(opts, config);
  const model = modelFromConfig(config, loadOptions.alembicVersion, undefined, { keepText: linting, cache, ...syntaxOracle(opts, config) });
  // no --target: grade for what the Heroku release phase runs, when the Procfile says so plainly
  const deploy = opts.target === undefined ? procfileTarget(opts.files, opts.cwd, model.config.iniPath, model.alembicVersion) : undefined;
  // `head` is the default grading already: only say where it came from (planning a new database's whole
  // upgrade costs ~0.2 s at 10,000 revisions, which an explicit --target head pays)
  const generates = releaseGenerates(opts.files, opts.cwd);
  const result = await checkModel(model, { ...(deploy ? { ...opts, target: deploy.target === 'head' ? undefined : deploy.target, ...deployOrigin(deploy), release: releaseProblem(deploy) } : opts), releaseGenerates: generates, lintConfig, cache });
  await saveReadingCache(cache);
  const document = opts.review === 'sarif' ? sarifOf(result, opts.toolVersion) : opts.format === 'json' ? checkJson(result) : undefined;
  const stdout = document ? JSON.stringify(document, null, 2) + '\n' : reviewOr('check', result, checkText(result, opts.width), opts.review);
  return { stdout, exitCode: result.ok ? 0 : 1, result, document };
}

/** The SARIF log of a result, with every rule of this build. */
export function sarifOf(result: CheckResult, toolVersion = 'unknown'): unknown {
  return sarifLog(result, RULES.map((r) => ({ code: r.code, severity: r.severity, summary: r.summary })), toolVersion);
}

/** The text report, or what --format github or markdown makes of the same result. */
export function reviewOr(command: 'check' | 'verify', result: CheckResult, text: string, review: CheckCommandOptions['review'], database?: GraphDatabase): string {
  if (review === 'github') return githubAnnotations(result, text);
  if (review === 'markdown') return markdownSummary(command, result, text, renderGraph(result.model, { format: 'mermaid', ...(database ? { database } : {}) }));
  return text;
}
