import type { SqlParser } from './schema/pending-locks.js';
import { DEFAULT_POLICY, type Policy } from './policy.js';
import type { ReleaseCommandProblem } from '../deploy/alembic-argv.js';
import type { GeneratedAtRelease } from '../deploy/generating-command.js';
import type { ProjectFiles } from '../project/project-files.js';
import { revisionText, type ProjectModel } from '../alembic/loading/project-model.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import type { Finding, Severity } from './finding.js';
import type { DatabaseContext, Releasing, Rule } from './rule.js';
import { alembicOutput } from './rule-helpers.js';
import { globMatcher, type LintConfig } from './lint/lint-config.js';
import type { LintContext } from './lint/lint-context.js';
import { RULES } from './rules.js';
import { appWords } from './app-words.js';
import { covering, directivesOf, type Directive } from './suppressions.js';
import { refusedSuppression } from './rules/suppression-refused.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface CheckOptions {
  /** What blocks and what is left out: --strict, --ignore, --locks, --on-ahead (default: DEFAULT_POLICY). */
  readonly policy?: Policy;
  /** The project's files, read once for every rule (default: the disk). */
  readonly files?: ProjectFiles;
  /** Present for `verify`: adds the database findings and the prediction. */
  readonly database?: DatabaseContext;
  /** Run the lints with this context (absent: lints off). */
  readonly lint?: LintContext;
  /** Severities and ignores from pyproject.toml / alembic.ini (the lint context carries the same). */
  readonly config?: LintConfig;
  /** Only the lints: graph and database rules are skipped. */
  readonly lintOnly?: boolean;
  /** `check --target`: the upgrade target the deploy runs (absent: `head`). Ignored under `verify`, which has its own. */
  readonly target?: string;
  /** Where `target` came from when no option gave it: the Procfile release line (`Procfile:3`), or the line of the script it runs. */
  readonly targetFrom?: string;
  /** The Procfile release line, when `targetFrom` is in a script that line runs. */
  readonly targetVia?: string;
  /** The release phase's migration command, when it fails before migrating or migrates nothing. */
  readonly release?: ReleaseCommandProblem;
  /** Commands the release phase runs that write a new migration. */
  readonly releaseGenerates?: readonly GeneratedAtRelease[];
  /**
   * `verify` off any platform, where the platforms' files name different targets: the ones not graded,
   * each predicted too (platform-targets-differ).
   */
  readonly otherDeployTargets?: readonly { readonly target: string; readonly where: string }[];
  /** `release`: the app it releases (database-owned-elsewhere). */
  readonly releasing?: Releasing;
  /** `verify`: PostgreSQL's parser, for the lock grades of SQL a pending step runs (loaded by the caller when needed). */
  readonly parseSql?: SqlParser;
}

export interface CheckResult {
  readonly model: ProjectModel;
  readonly findings: readonly Finding[];
  readonly ignored: number;
  /** Findings a `# alembic-preflight: ignore CODE -- reason` comment in their revision file covers. */
  readonly suppressed: readonly SuppressedFinding[];
  /** The upgrade target the findings are graded for (`head` unless --target or verify's target says otherwise). */
  readonly target: string;
  /** Where the target came from: `--target` (check), or the Procfile release line (`Procfile:3`); absent for the default `head` and for verify's --target. */
  readonly targetFrom?: string;
  /** The Procfile release line that runs the script `targetFrom` points into. */
  readonly targetVia?: string;
  /** lint-since / --lint-changed-since: how the line was drawn, and how many revision files it takes out of the lints. */
  readonly lintScope?: {
    readonly since: readonly string[];
    readonly changedSince?: string;
    readonly files: number;
  };
  /** Lint errors reported in revision files: what `lint-since` could scope away if those migrations are old. */
  readonly migrationLintErrors: number;
  /** True when nothing blocks (`--strict` counts warnings): `verdict.ok`. */
  readonly ok: boolean;
  /** The one verdict (check/verdict.ts): every format renders it, release acts on it. */
  readonly verdict: Verdict;
  /** What `alembic upgrade head` prints first when it fails to even load the scripts. */
  readonly alembicError?: string;
  /** What it may print first instead, when Python's set order decides between several failures. */
  readonly alembicErrorAlternatives: readonly string[];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function runCheck(model: ProjectModel, opts: CheckOptions = {}): CheckResult {
  const policy = opts.policy ?? DEFAULT_POLICY;
  const { ignore } = policy;
  const all: Finding[] = [];
  const lintFound = new Set<Finding>();
  const old = opts.lint?.baseline?.paths;
  const target =
    opts.target !== undefined && !opts.database ? predictUpgrade(model.map, opts.target, []) : undefined;
  const ctx = {
    model,
    words: opts.database?.words ?? appWords(model.config),
    files: opts.files ?? model.config.files,
    database: opts.database,
    lint: opts.lint,
    target,
    release: opts.release,
    releaseGenerates: opts.releaseGenerates,
    releasing: opts.releasing,
  };
  for (const rule of RULES) {
    if (rule.kind === 'lint') {
      if (!opts.lint) continue;
      const setting = ruleSetting(rule, opts.lint.config);
      if (setting === 'off') continue;
      let found = rule.check(ctx, all);
      // rules that replay the whole history still find things in old files; those are not reported
      if (old) found = found.filter((f) => f.path === undefined || !old.has(f.path));
      // a severity the user set applies to every finding; otherwise a rule may grade its own
      // (postgres-url-scheme is a warning where nothing says the app runs on Heroku)
      const configured = opts.lint.config.rules.get(rule.code);
      const graded =
        configured === undefined || configured === 'on'
          ? found
          : found.map((f) => ({ ...f, severity: setting as Severity }));
      for (const f of graded) lintFound.add(f);
      for (const f of graded) all.push(f);
    } else if (!opts.lintOnly) for (const f of rule.check(ctx, all)) all.push(f);
  }
  const configIgnores = (opts.config ?? opts.lint?.config)?.ignores ?? [];
  const matchers = configIgnores.map((i) => ({
    ...i,
    matches: i.path === undefined ? undefined : globMatcher(i.path),
  }));
  // an ignore never hides a predicted failure: the finding stays, and the ignore is reported
  const refused: Finding[] = [];
  const kept = all.filter((f) => {
    const flag = ignore.find((spec) => matchesIgnore(spec, f));
    const setting = matchers.some(
      (i) =>
        i.rule === f.code &&
        (i.matches === undefined || (f.path !== undefined && i.matches(f.path))) &&
        (i.revision === undefined || f.revision?.split(', ').includes(i.revision)),
    );
    if (flag === undefined && !setting) return true;
    if (!predictsFailure(f)) return false;
    refused.push(
      refusedSuppression(f, flag !== undefined ? { kind: 'flag', spec: flag } : { kind: 'setting' }),
    );
    return true;
  });
  const { shown, suppressed, refusedInFile } = applySuppressions(model, kept);
  shown.push(...dedupe([...refused, ...refusedInFile]));
  const findings = shown.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const failure = model.failure?.failure;
  const revisionPaths = new Set(model.map.all.map((r) => r.file.path));
  const verdict = verdictOf(undefined, findings, policy);
  return {
    migrationLintErrors: findings.filter(
      (f) => f.severity === 'error' && lintFound.has(f) && f.path !== undefined && revisionPaths.has(f.path),
    ).length,
    model,
    findings,
    ignored: all.length - kept.length,
    suppressed,
    target: opts.database?.prediction.target ?? opts.target ?? 'head',
    targetFrom: opts.targetFrom ?? (opts.target !== undefined && !opts.database ? '--target' : undefined),
    targetVia: opts.targetVia,
    lintScope: opts.lint?.baseline
      ? {
          since: opts.lint.baseline.since,
          changedSince: opts.lint.baseline.changedSince,
          files: opts.lint.baseline.paths.size,
        }
      : undefined,
    ok: verdict.ok,
    verdict,
    alembicError: opts.database ? (opts.database.prediction.cliOutput ?? undefined) : alembicOutput(failure),
    // under verify too, when what the database run fails on is this load failure
    alembicErrorAlternatives:
      failure?.orderVaries &&
      (!opts.database || opts.database.prediction.cliOutput === alembicOutput(failure))
        ? failure.orderVaries.map((m) => alembicOutput({ ...failure, message: m })!)
        : [],
  };
}

function matchesIgnore(spec: string, f: Finding): boolean {
  const i = spec.indexOf(':');
  if (i < 0) return spec === f.code;
  const code = spec.slice(0, i);
  const rev = spec.slice(i + 1);
  return code === f.code && f.revision !== undefined && f.revision.split(', ').includes(rev);
}

/** A rule's effective state: its configured severity, its default, or off. */
export function ruleSetting(rule: Rule, config: LintConfig | undefined): Severity | 'off' {
  const set = rule.kind === 'lint' ? config?.rules.get(rule.code) : undefined;
  if (set === undefined) return rule.enabledByDefault === false ? 'off' : rule.severity;
  return set === 'on' ? rule.severity : set;
}

export interface SuppressedFinding {
  readonly code: string;
  readonly severity: Severity;
  readonly path: string;
  readonly line: number | null;
  readonly reason: string;
  /** Where the comment is. */
  readonly directiveLine: number;
}

/**
 * Sets aside the findings an in-file directive covers (suppressions.ts); reads only files that have
 * findings. A directive over a finding that predicts a failure is refused, not applied.
 */
function applySuppressions(
  model: ProjectModel,
  findings: readonly Finding[],
): { shown: Finding[]; suppressed: SuppressedFinding[]; refusedInFile: Finding[] } {
  const revs = new Map(model.map.all.map((r) => [r.file.path, r]));
  const read = new Map<string, Directive[]>();
  const suppressed: SuppressedFinding[] = [];
  const refusedInFile: Finding[] = [];
  const shown = findings.filter((f) => {
    const rev =
      f.path === undefined || f.code === 'suppression-without-reason' || f.code === 'suppression-refused'
        ? undefined
        : revs.get(f.path);
    if (!rev) return true;
    let directives = read.get(rev.file.path);
    if (!directives)
      read.set(
        rev.file.path,
        (directives = directivesOf(revisionText(model, rev.file.absPath) ?? '', rev.script.line)),
      );
    const d = covering(directives, f.code, f.line);
    if (!d) return true;
    if (predictsFailure(f)) {
      refusedInFile.push(refusedSuppression(f, { kind: 'comment', path: rev.file.path, line: d.line }));
      return true;
    }
    suppressed.push({
      code: f.code,
      severity: f.severity,
      path: f.path!,
      line: f.line ?? null,
      reason: d.reason!,
      directiveLine: d.line,
    });
    return false;
  });
  return { shown, suppressed, refusedInFile };
}

const LINTS: ReadonlySet<string> = new Set(RULES.filter((r) => r.kind === 'lint').map((r) => r.code));

/** A finding that says Alembic, Python or the database will fail (or that it cannot be known): an error that is not a lint. Only the others are advisory. */
/**
 * Errors that say what is not known, not what will fail: --locks block makes them errors, and the
 * settings may accept them by name (with the reason every ignore gives).
 */
const BLIND_SPOTS: ReadonlySet<string> = new Set(['lock-sessions-hidden']);

function predictsFailure(f: Finding): boolean {
  return f.severity === 'error' && !LINTS.has(f.code) && !BLIND_SPOTS.has(f.code);
}

/** One note per refused suppression, however many findings it named. */
function dedupe(notes: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = `${n.message}|${n.path ?? ''}|${n.line ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
