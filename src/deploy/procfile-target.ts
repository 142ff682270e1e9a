import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import type { ReleaseCommandProblem } from './alembic-argv.js';
import { LATEST_ALEMBIC, type AlembicVersion } from '../alembic/config/alembic-version.js';
import { afterShellC, generatingCommand, type GeneratedAtRelease } from './generating-command.js';
import { PLATFORMS, releaseCommands, type Platform } from './release-commands.js';
import { pipfileScript, scriptRun } from './script-run.js';
import { decidedAtRunTime, shellLines, shellWords, SHELL_SPLIT, subshellOf } from './shell-words.js';
import {
  commandStart,
  configPath,
  directUpgrade,
  flaskDbAt,
  optionOf,
  preflightRelease,
  toolAt,
  upgradeTarget,
  type UpgradeProblem,
} from './upgrade-words.js';

/** The upgrade target a Heroku release phase runs, and where that was read. */
export interface DeployTarget {
  readonly target: string;
  /** Where the upgrade command is, relative to the working folder: the Procfile, or the script its release line runs. */
  readonly path: string;
  readonly line: number;
  /** The Procfile's release line, when it runs a script that holds the upgrade command. */
  readonly via?: { readonly path: string; readonly line: number };
  /** The upgrade fails before migrating (Alembic refuses its command line) or exits without migrating. */
  readonly problem?: UpgradeProblem;
}

/**
 * What `upgrade` the release phase runs: the Procfile's `release:` line, or heroku.yml's `release:`
 * `command:` (the container stack's manifest, where the Procfile is not read): `alembic … upgrade T`,
 * `python -m alembic … upgrade T`, `flask db upgrade [T]` or `alembic-preflight release [--target T]`,
 * in the command itself or in a shell script of the repository that it runs (`release: bash
 * bin/release.sh`, `release: ./release-tasks.sh`; one level deep). Undefined when there is no such
 * command, when it runs no migration we can see, when the target is not a literal (a shell variable, a
 * relative step) or when several different targets are run (a Procfile and a heroku.yml that
 * disagree among them): the caller then keeps its default instead of guessing.
 */
export function procfileTarget(
  files: ProjectFiles,
  cwd: string,
  iniPath?: string,
  version: AlembicVersion = LATEST_ALEMBIC,
  platform?: Platform,
): DeployTarget | undefined {
  const release = releaseCommands(files, cwd, platform);
  if (!release) return undefined;
  const ini = path.resolve(iniPath ?? path.join(cwd, 'alembic.ini'));
  const found: DeployTarget[] = [];
  for (const command of release.commands) {
    const targets = lineTargets(
      command.text,
      { files, dir: release.dir, cwd, ini, path: command.shown, line: command.line, version },
      true,
    );
    if (targets === null) return undefined;
    found.push(
      ...targets.map((t) =>
        t.path === command.shown ? t : { ...t, via: { path: command.shown, line: command.line } },
      ),
    );
  }
  // an upgrade that cannot migrate decides the release, whatever the others run
  return found.find((f) => f.problem) ?? (oneTarget(found) ? found[0] : undefined);
}

/** The release's migration command that fails or migrates nothing, for the rule that reports it. */
export function releaseProblem(d: DeployTarget | undefined): ReleaseCommandProblem | undefined {
  if (!d?.problem) return undefined;
  const { targetFrom, targetVia } = deployOrigin(d);
  return { ...d.problem, at: targetFrom, ...(targetVia ? { via: targetVia } : {}) };
}

/**
 * The commands the release phase runs that write a new migration (`flask db migrate && flask db upgrade`),
 * in its Procfile or heroku.yml line, a script or Pipfile entry that line runs, or the command an
 * `alembic-preflight release --` on that line wraps.
 */
export function releaseGenerates(
  files: ProjectFiles,
  cwd: string,
  platform?: Platform,
): GeneratedAtRelease[] {
  const release = releaseCommands(files, cwd, platform);
  if (!release) return [];
  const out: GeneratedAtRelease[] = [];
  for (const command of release.commands) {
    const generated: Generated[] = [];
    const upgrades = lineTargets(
      command.text,
      {
        files,
        dir: release.dir,
        cwd,
        ini: '',
        path: command.shown,
        line: command.line,
        version: LATEST_ALEMBIC,
        generated,
      },
      true,
    );
    const via = `${command.shown}:${command.line}`;
    out.push(
      ...generated.map((g) => ({
        command: g.command,
        at: `${g.path}:${g.line}`,
        ...(g.path !== command.shown ? { via } : {}),
        ...(upgrades?.length === 0 ? { noUpgrade: true } : {}),
      })),
    );
  }
  return out;
}

/** The same for the command `alembic-preflight release --` wraps, read from cwd: `at` is '' for the command itself. */
export function commandGenerates(
  files: ProjectFiles,
  argv: readonly string[],
  cwd: string,
): GeneratedAtRelease[] {
  const generated: Generated[] = [];
  const upgrades = lineTargets(
    argv.join(' '),
    { files, dir: cwd, cwd, ini: '', path: '', line: 0, version: LATEST_ALEMBIC, generated },
    true,
  );
  return generated.map((g) => ({
    command: g.command,
    at: g.path === '' ? '' : `${g.path}:${g.line}`,
    ...(upgrades?.length === 0 ? { noUpgrade: true } : {}),
  }));
}

/**
 * The ini the release phase's upgrade names with -c (`release: alembic -c db/alembic.ini upgrade head`,
 * or in a script it runs), relative to cwd, with where that is written; undefined when an upgrade names
 * none, when they disagree or name a variable, or when the file is not there.
 */
export function releaseConfig(
  files: ProjectFiles,
  cwd: string,
  platform?: Platform,
): { config: string; from: string } | undefined {
  const release = releaseCommands(files, cwd, platform);
  if (!release) return undefined;
  const configs: { config?: string; path: string; line: number }[] = [];
  for (const command of release.commands)
    lineTargets(
      command.text,
      {
        files,
        dir: release.dir,
        cwd,
        ini: '',
        path: command.shown,
        line: command.line,
        configs,
        version: LATEST_ALEMBIC,
      },
      true,
    );
  const named = new Set(configs.map((c) => c.config));
  const [config] = named;
  if (named.size !== 1 || config === undefined || !path.isAbsolute(config)) return undefined;
  if (files.kind(config) !== 'file') return undefined;
  return { config: path.relative(cwd, config), from: `${configs[0]!.path}:${configs[0]!.line}` };
}

/**
 * The upgrade a command wrapped by `alembic-preflight release -- CMD` runs, read as a release line is
 * (a script it runs included); undefined when it is not read plainly. `direct` when the command itself
 * is the upgrade (not a script), so what the database holds afterwards can be checked.
 */
export function commandTarget(
  files: ProjectFiles,
  argv: readonly string[],
  cwd: string,
  iniPath?: string,
): { target: string; direct: boolean; problem?: ReleaseCommandProblem } | undefined {
  const ini = path.resolve(iniPath ?? path.join(cwd, 'alembic.ini'));
  const exact = directUpgrade(argv);
  if (exact !== 'shell') {
    if (exact === undefined || exact === 'unread') return undefined;
    if (exact.problem)
      return { target: exact.target ?? 'head', direct: true, problem: { ...exact.problem, at: '' } };
    const other = exact.config !== undefined && path.resolve(cwd, exact.config) !== ini;
    return exact.target === null || other ? undefined : { target: exact.target, direct: true };
  }
  const found = lineTargets(
    argv.join(' '),
    { files, dir: cwd, cwd, ini, path: '', line: 0, version: LATEST_ALEMBIC },
    true,
  );
  // an upgrade that cannot migrate: said before the command runs (in a script it runs, with its line)
  const broken = found?.find((f) => f.problem);
  if (broken)
    return {
      target: broken.target,
      direct: broken.path === '',
      problem: broken.path === '' ? { ...broken.problem!, at: '' } : releaseProblem(broken),
    };
  if (!found || !oneTarget(found)) return undefined;
  return { target: found[0]!.target, direct: found.every((f) => f.path === '') };
}

/**
 * The -c and -n of the `alembic … upgrade` that a command wrapped by `release --` runs itself, so the
 * release checks the project that command migrates. A name is left out when it is not written plainly, or
 * when the command's upgrades disagree; a script the command runs is not read for them.
 */
export function commandProject(argv: readonly string[]): { config?: string; name?: string } {
  const exact = directUpgrade(argv);
  if (exact !== 'shell') {
    const plain: { config?: string; name?: string } =
      exact === undefined || exact === 'unread' || exact.problem ? {} : exact;
    return {
      ...(plain.config !== undefined ? { config: plain.config } : {}),
      ...(plain.name !== undefined ? { name: plain.name } : {}),
    };
  }
  const configs = new Set<string | undefined>();
  const names = new Set<string | undefined>();
  for (const cmd of argv.join(' ').split(SHELL_SPLIT)) {
    const words = shellWords(cmd);
    const up = toolAt(words, 'alembic') < 0 ? undefined : upgradeTarget(words, LATEST_ALEMBIC);
    if (up === undefined) continue;
    configs.add(up.config);
    names.add(up.name);
  }
  const one = (values: Set<string | undefined>): string | undefined => {
    const [v] = values;
    return values.size === 1 && v !== undefined && !decidedAtRunTime(v) ? v : undefined;
  };
  const config = one(configs);
  const name = one(names);
  return { ...(config !== undefined ? { config } : {}), ...(name !== undefined ? { name } : {}) };
}

/** `path:line` of the upgrade command, and of the Procfile line that ran its script (absent when on that line itself). */
export function deployOrigin(d: DeployTarget): { targetFrom: string; targetVia?: string } {
  return {
    targetFrom: `${d.path}:${d.line}`,
    ...(d.via ? { targetVia: `${d.via.path}:${d.via.line}` } : {}),
  };
}

interface Where {
  /** The run's reader of the project: the scripts and Pipfile a line runs are read through it. */
  readonly files: ProjectFiles;
  /** Where the command runs: the app root (the Procfile's folder), or the folder a `cd` moved to. */
  readonly dir: string;
  /** The app root, when `dir` is no longer it (set by the first call). */
  readonly root?: string;
  readonly cwd: string;
  /** The ini this project is checked with. */
  readonly ini: string;
  /** The file and line being read, relative to cwd. */
  readonly path: string;
  readonly line: number;
  /** When given, collects the -c of every upgrade read (absolute; as written when it is a variable). */
  readonly configs?: { config?: string; path: string; line: number }[];
  /** The Alembic whose command line reads the upgrade. */
  readonly version: AlembicVersion;
  /** When given, collects the commands that write a migration (the targets read are then not used). */
  readonly generated?: Generated[];
}

interface Generated {
  readonly command: string;
  readonly path: string;
  readonly line: number;
}

/** Linux's PATH_MAX: the longest path a cd can reach. */
const PATH_MAX = 4096;

/** The upgrades one shell line runs; null when one is a migration that cannot be read plainly or migrates another project. */
function lineTargets(shellLine: string, from: Where, followScripts: boolean): DeployTarget[] | null {
  const start = from.root === undefined ? { ...from, root: from.dir } : from;
  const out: DeployTarget[] = [];
  // an unreadable upgrade stops the target's reading, not the search for one that cannot migrate
  let unreadable = false;
  // `cd backend && alembic -c alembic.ini upgrade heads`: what follows runs in that folder; `lost` after a
  // folder the shell decides. A subshell's `cd` ends with it: `(cd frontend && npm run build) && alembic …`
  let where = start;
  let moved = false;
  let lost = false;
  const outer: { where: Where; moved: boolean; lost: boolean }[] = [];
  let closing = 0;
  for (const segment of shellLine.split(SHELL_SPLIT)) {
    for (; closing > 0; closing--) ({ where, moved, lost } = outer.pop() ?? { where, moved, lost });
    const { body: cmd, opens, closes } = subshellOf(segment);
    for (let k = 0; k < opens; k++) outer.push({ where, moved, lost });
    closing = closes;
    const words = shellWords(cmd);
    const first = commandStart(words);
    // a message that mentions the command runs nothing, also as what a shell's -c runs (`bash -lc "echo …"`)
    const runs = afterShellC(words, first);
    if (first < 0 || words[runs] === 'echo' || words[runs] === 'printf') continue;
    if (words[first] === 'cd') {
      moved = true;
      ({ where, lost } = changeDir(where, start, words[first + 1], lost));
      continue;
    }
    const made = where.generated ? generatingCommand(cmd) : undefined;
    if (made !== undefined) {
      // one finding a line: `flask db init && flask db migrate && flask db upgrade` names the first
      if (!where.generated!.some((g) => g.path === where.path && g.line === where.line))
        where.generated!.push({ command: made, path: where.path, line: where.line });
      continue;
    }
    const release = preflightRelease(words);
    // in a folder we cannot know, an upgrade (or what may run one) cannot be read; anything else runs there harmlessly
    if (
      lost &&
      (release ||
        upgradeTarget(words, where.version) !== undefined ||
        words[first] === 'pipenv' ||
        scriptRun(where.files, words.slice(first), where.dir) !== undefined)
    ) {
      unreadable = true;
      continue;
    }
    if (release && 'wrapped' in release) {
      // the project release checks (and runs COMMAND for) is its own -c, when it has one
      const own = where.configs ? optionOf(words.slice(0, words.indexOf('--')), '-c', '--config') : undefined;
      if (own !== undefined) {
        if (!moved)
          where.configs!.push({ config: configPath(where.dir, own), path: where.path, line: where.line });
        continue;
      }
      // without --target, release predicts what the command after `--` runs when it is plain, else head
      const inner = lineTargets(release.wrapped.join(' '), where, followScripts);
      out.push(
        ...(inner && oneTarget(inner) ? inner : [{ target: 'head', path: where.path, line: where.line }]),
      );
      continue;
    }
    const up = release
      ? { target: release.target, config: optionOf(words, '-c', '--config') }
      : upgradeTarget(words, where.version);
    if (up !== undefined) {
      const { target: t, config, problem } = up;
      // collecting configs reads on past what would stop the target's reading; an ini read after a cd is
      // another folder's project (its relative paths are resolved from there, not from here)
      if (where.configs) {
        if (!problem && !moved)
          where.configs.push({ config: configPath(where.dir, config), path: where.path, line: where.line });
        continue;
      }
      // the release fails (or migrates nothing) whichever project it names
      if (problem) {
        out.push({ target: t ?? 'head', path: where.path, line: where.line, problem });
        continue;
      }
      // a release that migrates another project's ini (-c other/alembic.ini) says nothing about this one
      // after a cd, a plain `alembic upgrade` reads that folder's alembic.ini
      const ini = config ?? (moved && flaskDbAt(words) < 0 ? 'alembic.ini' : undefined);
      if (t === null || (ini !== undefined && path.resolve(where.dir, ini) !== where.ini)) {
        unreadable = true;
        continue;
      }
      out.push({ target: t, path: where.path, line: where.line });
      continue;
    }
    if (followScripts && !followed(words.slice(first), where, out)) unreadable = true;
  }
  return unreadable && !out.some((f) => f.problem) ? null : out;
}

/** The folder a `cd` moves the rest of the line to; `lost` once the shell decides it. */
function changeDir(
  where: Where,
  start: Where,
  to: string | undefined,
  lost: boolean,
): { where: Where; lost: boolean } {
  // a folder the shell decides (cd, cd -, cd ~, cd $DIR): the upgrades after it are not read (a command
  // that generates a migration does so wherever it runs)
  if (to === undefined || to === '-' || /[$`~*?]/u.test(to) || lost) return { where, lost: true };
  // Heroku runs the release phase in /app, where the slug (the app root) is
  const dir =
    to === HEROKU_APP || to.startsWith(`${HEROKU_APP}/`)
      ? path.join(start.root ?? start.dir, to.slice(HEROKU_APP.length))
      : path.resolve(where.dir, to);
  // past PATH_MAX the shell's cd fails (ENAMETOOLONG) and the chain stops; a longer path is never built,
  // so a line of thousands of `cd a &&` is read in linear time
  return { where: { ...where, dir }, lost: dir.length > PATH_MAX };
}

/**
 * The upgrades of what a command runs, one level deep: a Pipfile's [scripts] entry (`pipenv run upgrade`,
 * 4Geeks' Flask template) or a shell script of the app. False when one of them cannot be read.
 */
function followed(words: readonly string[], where: Where, out: DeployTarget[]): boolean {
  const pipenv =
    words[0] === 'pipenv' && words[1] === 'run' && words[2]
      ? pipfileScript(where.files, where.dir, words[2])
      : undefined;
  if (pipenv) {
    const inner = lineTargets(
      [pipenv.command, ...words.slice(3)].join(' '),
      { ...where, path: path.relative(where.cwd, pipenv.file), line: pipenv.line },
      false,
    );
    if (inner !== null) out.push(...inner);
    return inner !== null;
  }
  const script = scriptRun(where.files, words, where.dir);
  if (script === undefined) return true;
  const rel = path.relative(where.cwd, script.file);
  let readable = true;
  for (const { text, line } of shellLines(script.text)) {
    const inner = lineTargets(text, { ...where, path: rel, line }, false);
    if (inner === null) readable = false;
    else out.push(...inner);
  }
  return readable;
}

/** Every upgrade found runs the same target. */
function oneTarget(found: readonly DeployTarget[]): boolean {
  return found.length > 0 && new Set(found.map((f) => f.target)).size === 1;
}

/** Heroku's app folder: the slug is unpacked there and the release phase starts in it. */
const HEROKU_APP = '/app';

/**
 * Off any platform, what each platform's own file would have the deploy upgrade to (the Procfile or
 * heroku.yml, fly.toml, render.yaml, railway.json or .toml, Dokku's app.json), one entry per file
 * that names a target plainly: where they disagree, verify grades the default and predicts the others.
 */
export function platformTargets(
  files: ProjectFiles,
  cwd: string,
  iniPath?: string,
  version: AlembicVersion = LATEST_ALEMBIC,
): { readonly target: string; readonly where: string }[] {
  const seen = new Set<string>();
  const out: { target: string; where: string }[] = [];
  for (const platform of PLATFORMS) {
    const t = procfileTarget(files, cwd, iniPath, version, platform);
    if (!t || t.problem) continue;
    const where = `${t.via?.path ?? t.path}:${t.via?.line ?? t.line}`;
    if (seen.has(where)) continue;
    seen.add(where);
    out.push({ target: t.target, where });
  }
  return out;
}
