import { loadProjectConfig } from '../../alembic/config/alembic-config.js';
import { modelFromConfig } from '../../alembic/loading/project-model.js';
import { RELATIVE } from '../../alembic/graph/resolver.js';
import { deployCheckOptions, gatherDeploy } from '../../workspace/deploy-facts.js';
import type { CheckResult } from '../../check/run-check.js';
import { UsageError } from '../../errors/errors.js';
import { checkJson } from '../../report/json-report.js';
import { checkText, checkVerdict } from '../../report/text-report.js';
import { reviewOr, sarifOf } from '../../report/review-output.js';
import { withFiles, type CheckCommandOptions, type CommandOutput } from '../../workspace/command-options.js';
import { checkModel, configOptions, projectLintConfig, syntaxOracle } from '../../workspace/open-project.js';
import { readingCache, saveReadingCache } from '../../workspace/reading-cache.js';

export async function checkCommand(
  given: CheckCommandOptions,
): Promise<CommandOutput & { result: CheckResult }> {
  const opts = withFiles(given);
  if (opts.lint === false && opts.lintOnly)
    throw new UsageError('--no-lint and --lint-only contradict each other.', { hint: 'Use one of them.' });
  if (opts.target !== undefined && (opts.target.trim() === '' || RELATIVE.test(opts.target))) {
    throw new UsageError(
      `check --target takes head, heads, LABEL@head or a revision, not '${opts.target}'.`,
      {
        hint: 'A relative target (+1, -1, LABEL@+2) depends on where the database is: use verify --target with the database instead.',
      },
    );
  }
  if (
    opts.lint === false &&
    ((opts.lintSince && opts.lintSince.length > 0) || opts.lintChangedSince !== undefined)
  ) {
    throw new UsageError(
      `${opts.lintChangedSince !== undefined ? '--lint-changed-since' : '--lint-since'} has no effect with --no-lint.`,
      { hint: 'Drop one of them.' },
    );
  }
  const loadOptions = configOptions(opts);
  const config = await loadProjectConfig(loadOptions);
  // the lints' settings first: a run that lints keeps each revision file's text from the one reading
  const lintConfig = await projectLintConfig(config);
  const linting = opts.lintOnly === true || (opts.lint !== false && lintConfig.lint);
  const cache = readingCache(opts, config);
  const model = modelFromConfig(config, loadOptions.alembicVersion, undefined, {
    lintDigests: linting,
    cache,
    ...syntaxOracle(opts, config),
  });
  // no --target: grade for what the release phase runs, when the release line says so plainly
  const deploy = gatherDeploy(opts, model.config, { version: model.alembicVersion });
  // `head` is the default grading already: only say where it came from (planning a new database's whole
  // upgrade costs ~0.2 s at 10,000 revisions, which an explicit --target head pays)
  const result = await checkModel(model, {
    ...opts,
    ...(deploy.target ? { target: deploy.target.target === 'head' ? undefined : deploy.target.target } : {}),
    ...deployCheckOptions(deploy),
    lintConfig,
    cache,
  });
  await saveReadingCache(cache);
  const document =
    opts.review === 'sarif'
      ? sarifOf(result, opts.toolVersion)
      : opts.format === 'json'
        ? checkJson(result)
        : undefined;
  const stdout = document
    ? JSON.stringify(document, null, 2) + '\n'
    : reviewOr('check', result, checkVerdict(result), () => checkText(result, opts.width), opts.review);
  return { stdout, exitCode: result.ok ? 0 : 1, result, document };
}
