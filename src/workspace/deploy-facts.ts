import type { AlembicVersion } from '../alembic/config/alembic-version.js';
import type { GeneratedAtRelease } from '../deploy/generating-command.js';
import {
  deployOrigin,
  platformTargets,
  procfileTarget,
  releaseGenerates,
  releaseProblem,
  type DeployTarget,
} from '../deploy/procfile-target.js';
import { platformOf, type Platform } from '../deploy/release-commands.js';
import type { ReleaseCommandProblem } from '../deploy/alembic-argv.js';
import type { ProjectFiles } from '../project/project-files.js';

/**
 * What the deploy runs, gathered once per run from the platform's files: the platform this process
 * runs on, the upgrade its release line runs, the commands there that write a migration, and off any
 * platform the targets the other platforms' files name. Commands and rules read these; none reads the
 * release line again.
 */
export interface DeployFacts {
  readonly platform: Platform | undefined;
  /** With no --target: the upgrade the release line runs, where it says so plainly. */
  readonly target: DeployTarget | undefined;
  /** The commands the release phase runs that write a new migration. */
  readonly generates: readonly GeneratedAtRelease[];
  /** Off any platform, with no --target: the targets the platforms' files name besides the graded one, where they disagree. */
  readonly otherTargets: readonly { readonly target: string; readonly where: string }[];
}

/** What of the invocation decides the deploy's facts: the working folder, the environment (the platform), --target. */
export interface DeployRun {
  readonly cwd: string;
  /** Absent for a library caller that gives none: then no platform. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** --target, which decides what is graded. */
  readonly target?: string;
}

/**
 * The deploy's facts for a run: from the project's files and its ini (`config`); with the Alembic whose
 * command line reads the upgrade, and, where asked (verify), the other platforms' targets, which each
 * cost a reading of a platform's file.
 */
export function gatherDeploy(
  run: DeployRun,
  config: { readonly files: ProjectFiles; readonly iniPath?: string },
  reading: { readonly version?: AlembicVersion; readonly others?: boolean } = {},
): DeployFacts {
  const { files, iniPath } = config;
  const { version } = reading;
  const platform = platformOf(run.env ?? {});
  const target =
    run.target === undefined ? procfileTarget(files, run.cwd, iniPath, version, platform) : undefined;
  const others = reading.others === true && run.target === undefined && platform === undefined;
  return {
    platform,
    target,
    generates: releaseGenerates(files, run.cwd, platform),
    otherTargets: others
      ? otherTargets(platformTargets(files, run.cwd, iniPath, version), gradedTarget(run.target, { target }))
      : [],
  };
}

/** The targets the platforms' files name besides the graded one, when they disagree among them. */
function otherTargets(
  all: readonly { readonly target: string; readonly where: string }[],
  graded: string,
): { readonly target: string; readonly where: string }[] {
  if (new Set(all.map((a) => a.target)).size < 2) return [];
  return all.filter((a) => a.target !== graded);
}

/** The upgrade target graded: --target, else the release line's, else head. */
export function gradedTarget(given: string | undefined, deploy: Pick<DeployFacts, 'target'>): string {
  return given ?? deploy.target?.target ?? 'head';
}

/** What the rules read of the deploy (check's and verify's options). */
export function deployCheckOptions(deploy: DeployFacts): {
  readonly targetFrom?: string;
  readonly targetVia?: string;
  readonly release?: ReleaseCommandProblem;
  readonly releaseGenerates: readonly GeneratedAtRelease[];
} {
  return {
    ...(deploy.target ? { ...deployOrigin(deploy.target), release: releaseProblem(deploy.target) } : {}),
    releaseGenerates: deploy.generates,
  };
}
