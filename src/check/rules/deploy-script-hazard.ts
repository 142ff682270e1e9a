import path from 'node:path';
import { FLASK_OPTIONS_WITH_VALUE } from '../../deploy/alembic-argv.js';
import { generatingCommand } from '../../deploy/generating-command.js';
import { pipfileScripts } from '../../deploy/pipfile-scripts.js';
import { procfileProcesses, procfileReleaseLines } from '../../deploy/procfile-release-lines.js';
import { projectFolders } from '../../packaging/project-folders.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { projectFinding } from '../lint/lint-context.js';
import { walkFiles, type ProjectFiles } from '../../project/project-files.js';
import { occursDelimited } from '../lint/occurs-delimited.js';

/**
 * Where deploys run migrations: Procfile, app.json, heroku.yml, shell scripts, Makefiles, Dockerfiles, CI
 * workflows, and the Pipfile's [scripts] that a `release: pipenv run upgrade` line names (4Geeks' Flask template).
 */
const DEPLOY_FILE =
  /^(Procfile(\.\w+)?|Pipfile|app\.json|heroku\.yml|Makefile|Dockerfile(\.\w+)?|docker-compose[\w.-]*\.ya?ml|compose\.ya?ml|\.gitlab-ci\.yml|(bin|scripts?|deploy|ops)\/[^/]+|[^/]+\.sh|\.github\/workflows\/[^/]+\.ya?ml)$/;

/**
 * The migration command on a line: alembic, python -m alembic, flask db (Flask's own options may come
 * before `db`: `flask --app app db upgrade`). `flask db upgrade` with no revision upgrades to head
 * (Flask-Migrate's default); alembic needs one.
 */
const FLASK_DB = String.raw`flask(?:\s+(?:(?:${FLASK_OPTIONS_WITH_VALUE.join('|')})(?:=|\s+)\S+|--[\w-]+))*\s+db`;
const MIGRATE = new RegExp(
  String.raw`\b(?:(?:alembic|python3?\s+-m\s+alembic)\b[^\n;&|]*?\bupgrade\s+(heads?)\b|${FLASK_DB}\b[^\n;&|]*?\bupgrade(?:\s+(heads?)\b|(?=\s*(?:$|[;&|)"']))))`,
);
const STAMP = new RegExp(
  String.raw`\b(?:alembic|python3?\s+-m\s+alembic|${FLASK_DB})\b[^\n;&|]*?\bstamp\s+(heads?)\b`,
);
/** Longer lines are not read as commands (a 10,000-character line of `alembic` words costs under 10 ms; 128,000, a second). */
const MAX_LINE = 10_000;
const SWALLOW = /\|\|\s*(true\b|:(?=\s|$|;|")|echo\b|exit\s+0\b)/;

/** Deploy scripts that hide or skew migration failures. */
export const deployScriptHazard: Rule = {
  code: 'deploy-script-hazard',
  severity: 'warning',
  kind: 'lint',
  title: 'a deploy script can lose or fake migrations',
  summary:
    'Deploy scripts that run `upgrade heads` here and `upgrade head` there, fall back to `alembic stamp head`, add `|| true` after a migration, a Procfile `release:` line that a later one replaces, a `web:` line that migrates at every start, or generate a migration where the app is deployed.',
  check({ lint, files }, previous = []) {
    const out: Finding[] = [];
    if (!lint) return out;
    const upgrades: { rel: string; line: number; target: string }[] = [];
    const deployFiles: DeployFile[] = [];
    // the working folder's files, then the deploy files of the folders above it up to the repository's root
    // (a Procfile or Dockerfile at the root, Alembic run from backend/)
    const found = [
      ...walkFiles(files, lint.cwd, new Set([lint.model.config.scriptDir]), 20_000).map((key) => ({
        key,
        file: path.join(lint.cwd, key),
      })),
      ...projectFolders(files, lint.cwd)
        .slice(1)
        .flatMap((dir) => topDeployFiles(dir, files)),
    ];
    for (const { key, file } of found) {
      if (!DEPLOY_FILE.test(key)) continue;
      const text = files.text(file);
      if (text === undefined) continue;
      const rel = path.relative(lint.cwd, file).split(path.sep).join('/');
      deployFiles.push({ rel, key, text });
      if (key === 'Procfile')
        out.push(...replacedReleaseLines(this, rel, text), ...migratedAtStart(this, rel, text));
      if (!/alembic|flask\b/.test(text)) continue;
      text.split(/\r?\n/).forEach((raw, i) => {
        // a line no one writes by hand (minified or generated, in scripts/ or bin/): the patterns below
        // try each `alembic` on a line against the rest of it, which on such a line takes minutes
        if (raw.length > MAX_LINE) return;
        const line = raw.replace(/^\s*#.*$/, '');
        const up = MIGRATE.exec(line);
        if (up) upgrades.push({ rel, line: i + 1, target: up[1] ?? up[2] ?? 'head' });
        const stamp = STAMP.exec(line);
        if (stamp) {
          out.push(
            projectFinding(
              this.code,
              this.severity,
              rel,
              i + 1,
              `\`stamp ${stamp[1]}\` in a deploy script marks the database as migrated without running a migration. As a fallback it turns a failed upgrade into a silent lie, and it is how a database ends up stamped with revisions the code does not have.`,
              'Let a failed upgrade fail the release (`alembic upgrade head` alone); fix the cause with `alembic-preflight verify` / `backfill` instead of stamping.',
            ),
          );
        }
        if (up) {
          const after = line.slice(up.index + up[0].length);
          const sw = SWALLOW.exec(after);
          if (sw) {
            out.push(
              projectFinding(
                this.code,
                this.severity,
                rel,
                i + 1,
                `\`|| ${sw[1]}\` after the migration command hides its failure: the release goes on and the new code runs against the old schema.`,
                `Remove \`|| ${sw[1]}\` so a failed migration stops the release (Heroku keeps the previous release running).`,
              ),
            );
          }
        }
      });
    }
    // a release line's generating command is reported by release-generates-migration, which also runs without lints
    const reported = new Set(
      previous.filter((f) => f.code === 'release-generates-migration').map((f) => `${f.path}:${f.line}`),
    );
    out.push(...generatedAtDeploy(this, deployFiles).filter((f) => !reported.has(`${f.path}:${f.line}`)));
    const targets = new Set(upgrades.map((u) => u.target));
    if (targets.size > 1) {
      const heads = upgrades.filter((u) => u.target === 'heads');
      const head = upgrades.find((u) => u.target === 'head')!;
      for (const h of heads) {
        out.push(
          projectFinding(
            this.code,
            this.severity,
            h.rel,
            h.line,
            `\`upgrade heads\` here but \`upgrade head\` in ${head.rel}:${head.line}. With one head they agree; the day a second head appears, one path silently applies both branches while the other fails with "Multiple head revisions are present", so environments drift apart.`,
            'Use the same target everywhere: `alembic upgrade head` (and merge heads with `alembic merge heads` when they appear).',
          ),
        );
      }
    }
    return out;
  },
};

/**
 * A Procfile holds one command per process type: Heroku keeps the last `release:` line and drops the
 * others without failing the deploy, so a migration written on an earlier line never runs.
 */
function replacedReleaseLines(rule: Rule, rel: string, text: string): Finding[] {
  const lines = procfileReleaseLines(text);
  const last = lines.at(-1);
  if (!last || lines.length < 2) return [];
  const joined = lines.map((l) => l.text).join(' && ');
  return lines
    .slice(0, -1)
    .map((l) =>
      projectFinding(
        rule.code,
        rule.severity,
        rel,
        l.line,
        `\`release: ${l.text}\` never runs: a Procfile holds one command per process type, and Heroku keeps the last \`release:\` line (${rel}:${last.line}, \`${last.text}\`) and ignores this one.${MIGRATE.test(l.text) && !MIGRATE.test(last.text) ? ' Unless that command migrates too, the deploy runs no migration and the new code meets the old schema.' : ''}`,
        `Keep one \`release:\` line with the commands joined in the order they must run, for example \`release: ${joined}\`, or move them into a script that the line runs (\`release: ./bin/release.sh\`).`,
      ),
    );
}

/**
 * A process other than `release` that migrates before it starts (`web: flask db upgrade && gunicorn app:app`):
 * the upgrade runs in every dyno, at every start, and a failure takes the process down with the new code
 * already live, where the release phase stops the deploy and keeps the previous release running.
 */
function migratedAtStart(rule: Rule, rel: string, text: string): Finding[] {
  if (!/alembic|flask\b/.test(text)) return [];
  const processes = procfileProcesses(text);
  const release = processes.filter((p) => p.type === 'release').at(-1);
  const releaseMigrates =
    release !== undefined && release.text.length <= MAX_LINE && MIGRATE.test(release.text);
  return processes.flatMap((p) => {
    if (p.type === 'release' || p.text.length > MAX_LINE || !MIGRATE.test(p.text)) return [];
    const parts = p.text.split('&&').map((c) => c.trim());
    const migration = parts.filter((c) => MIGRATE.test(c));
    const rest = parts.filter((c) => !MIGRATE.test(c)).join(' && ');
    const withoutIt = rest === '' ? '' : ` and \`${p.type}: ${rest}\``;
    const message = releaseMigrates
      ? `\`${p.type}:\` migrates again every time one of its dynos starts, after the release phase already did (${rel}:${release.line}): the extra upgrades run at once in every dyno and at every restart (Heroku restarts each dyno daily), and one that fails takes the process down.`
      : `\`${p.type}:\` runs the migration every time one of its dynos starts, not once per deploy: every dyno (and every restart; Heroku restarts each dyno daily) runs the upgrade against the same database at once, and a failed upgrade crashes the process again and again with the new code already live. In the release phase a failed upgrade stops the deploy and the previous release keeps running, and \`alembic-preflight release\` can check it first.`;
    const hint = releaseMigrates
      ? `Drop the migration from the \`${p.type}:\` line${rest === '' ? '' : `: \`${p.type}: ${rest}\``}.`
      : `Move it to the release phase: \`release: ${migration.join(' && ')}\`${withoutIt} (on Railway or Render, their preDeployCommand).`;
    return [projectFinding(rule.code, rule.severity, rel, p.line, message, hint)];
  });
}

/** A deploy file: `rel` as shown (relative to the working folder), `key` relative to the folder it describes. */
interface DeployFile {
  readonly rel: string;
  readonly key: string;
  readonly text: string;
}

/** Where deploy files sit in a folder above the working one: its own files and those of its script and CI folders. */
const TOP_DEPLOY_DIRS = ['', 'bin', 'script', 'scripts', 'deploy', 'ops', '.github/workflows'];

/** A folder's deploy files by name alone, without walking it (it is the repository, not the Alembic project). */
function topDeployFiles(dir: string, files: ProjectFiles): { key: string; file: string }[] {
  const out: { key: string; file: string }[] = [];
  for (const sub of TOP_DEPLOY_DIRS) {
    for (const e of files.entries(path.join(dir, sub)) ?? [])
      if (e.file) out.push({ key: sub ? `${sub}/${e.name}` : e.name, file: path.join(dir, sub, e.name) });
  }
  return out;
}

/**
 * Files whose commands run where the app is deployed, not on a developer's machine: the Procfile, heroku.yml,
 * app.json and Dockerfiles, and the scripts they name. A Makefile, a compose file or a helper script nothing
 * deployed runs may well generate migrations: that is how they are written.
 */
const RUNS_DEPLOYED = /^(Procfile|heroku\.yml|app\.json|Dockerfile(\.\w+)?)$/;
const SCRIPT = /^((bin|scripts?|deploy|ops)\/[^/]+|[^/]+\.sh)$/;

/**
 * A migration generated where the app is deployed (`alembic revision --autogenerate`, `flask db migrate`,
 * `flask db init` in a release line, a container's start command, or a script either runs): the file is
 * written on the dyno or in the container, the upgrade after it applies it, and the file is gone with the
 * dyno, so the database is left at a revision no file in the repository has. That is the stamped-but-missing
 * revision this tool exists for: the next deploy fails with "Can't locate revision identified by …".
 */
function generatedAtDeploy(rule: Rule, files: readonly DeployFile[]): Finding[] {
  const out: Finding[] = [];
  const deployed = files.filter((f) => RUNS_DEPLOYED.test(f.key));
  const named = (key: string): boolean => {
    const base = path.posix.basename(key);
    return deployed.some((f) => wordIn(f.text, key) || wordIn(f.text, base));
  };
  for (const { rel, key, text } of files) {
    if (key === 'Pipfile') {
      out.push(...pipfileScriptsRun(rule, rel, text, deployed));
      continue;
    }
    if (!RUNS_DEPLOYED.test(key) && !(SCRIPT.test(key) && named(key))) continue;
    if (!/alembic|flask\b/.test(text)) continue;
    const release = key === 'Procfile' ? procfileReleaseLines(text) : [];
    // shell `if` blocks open around the line: `if [ -z "$(ls -A migrations/versions)" ]; then alembic revision …`
    // bootstraps a first migration only while the repository has none
    let ifDepth = 0;
    text.split(/\r?\n/).forEach((raw, i) => {
      if (raw.length > MAX_LINE || /^\s*#/.test(raw)) return;
      const opens = /^\s*if\s/.test(raw);
      const conditional = ifDepth > 0 || opens;
      if (opens && !/(^|[;\s])fi\s*$/.test(raw)) ifDepth++;
      else if (/^\s*fi\b/.test(raw) && ifDepth > 0) ifDepth--;
      // an earlier release: line never runs (reported above as replaced)
      if (release.length > 1 && release.slice(0, -1).some((l) => l.line === i + 1)) return;
      for (const cmd of raw.split(/&&|\|\||;|\|/)) {
        const made = generatingCommand(cmd);
        if (!made) continue;
        out.push(generatedFinding(rule, rel, i + 1, made, conditional));
        break;
      }
    });
  }
  return out;
}

function generatedFinding(rule: Rule, rel: string, line: number, made: string, conditional = false): Finding {
  return projectFinding(
    rule.code,
    conditional ? 'warning' : 'error',
    rel,
    line,
    `\`${made}\` ${conditional ? 'runs where the app is deployed whenever the shell `if` around it holds (a warning, not an error, as the condition may never hold: a first migration bootstrapped only while the repository has none)' : 'runs where the app is deployed'}: it writes a new migration file on the dyno or in the container, the upgrade after it applies that file, and the file is lost with the dyno. The database is left at a revision no file in the repository has, and the next deploy fails with "Can't locate revision identified by '…'".${made.endsWith(' init') ? ' (`init` itself fails once the migrations folder is in the repository: "Directory … already exists and is not empty".)' : ''}`,
    'Generate migrations on a development machine, review them and commit them; let the deploy only apply them (`alembic upgrade head`, `flask db upgrade`). If a database is already stamped with a lost revision: alembic-preflight backfill.',
  );
}

/** The Pipfile's [scripts] entries that a deployed file runs with `pipenv run NAME` (4Geeks' Flask template). */
function pipfileScriptsRun(
  rule: Rule,
  rel: string,
  text: string,
  deployed: readonly { text: string }[],
): Finding[] {
  const out: Finding[] = [];
  for (const { name, command, line } of pipfileScripts(text)) {
    if (command.length > MAX_LINE || !deployed.some((f) => wordIn(f.text, `pipenv run ${name}`))) continue;
    const made = command
      .split(/&&|\|\||;|\|/)
      .map(generatingCommand)
      .find((c) => c !== undefined);
    if (made) out.push(generatedFinding(rule, rel, line, made));
  }
  return out;
}

/** `word` as a whole file name or command in `text`: no letter, digit, `_`, `.` or `-` on either side. */
function wordIn(text: string, word: string): boolean {
  return occursDelimited(text, word, /[\w.-]/);
}
