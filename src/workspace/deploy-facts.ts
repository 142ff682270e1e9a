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

export interface DeployInput {
  readonly files: ProjectFiles;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --target, which decides what is graded. */
  readonly target?: string;
  /** The ini the project is checked with, and the Alembic whose command line reads the upgrade. */
  readonly iniPath?: string;
  readonly version?: AlembicVersion;
  /** Whether the other platforms' targets are wanted (verify): each costs a reading of its file. */
  readonly others?: boolean;
}

export function gatherDeploy(input: DeployInput): DeployFacts {
  const { files, cwd, iniPath, version } = input;
  const platform = platformOf(input.env);
  const target =
    input.target === undefined ? procfileTarget(files, cwd, iniPath, version, platform) : undefined;
  const graded = input.target ?? target?.target ?? 'head';
  return {
    platform,
    target,
    generates: releaseGenerates(files, cwd, platform),
    otherTargets:
      input.others === true && input.target === undefined && platform === undefined
        ? otherTargets(platformTargets(files, cwd, iniPath, version), graded)
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
export function gradedTarget(given: string | undefined, deploy: DeployFacts): string {
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
