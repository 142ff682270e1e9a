import path from 'node:path';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import {
  readEnvPyText,
  readSourceFile,
  sourceOutcome,
  type SourceOutcome,
} from '../alembic/reading/source-reader.js';
import type { GraphProblem, GraphProblemCode, Rev } from '../alembic/graph/revision-map.js';
import type {
  AlembicFailure,
  FileProblemCode,
  FileProblemOf,
  ScriptFile,
} from '../alembic/loading/script-loader.js';
import { envPyPath, type ConfigNote } from '../alembic/config/alembic-config.js';
import type { Finding, Severity } from './finding.js';
import type { Rule } from './rule.js';

/** How `alembic upgrade` shows a failure: `FAILED: …` for command errors, else the traceback's last line. */
export function alembicOutput(f: AlembicFailure | undefined): string | undefined {
  if (!f) return undefined;
  return f.commandError ? `FAILED: ${f.message}` : f.message;
}

export function fileProblems<C extends FileProblemCode>(
  model: ProjectModel,
  code: C,
): { file: ScriptFile; problem: FileProblemOf<C> }[] {
  const out: { file: ScriptFile; problem: FileProblemOf<C> }[] = [];
  for (const file of model.files)
    for (const problem of file.problems)
      if (problem.code === code) out.push({ file, problem: problem as FileProblemOf<C> });
  return out;
}

export function graphProblems(model: ProjectModel, code: GraphProblemCode): GraphProblem[] {
  return model.map.problems.filter((p) => p.code === code);
}

/** The common shape: one finding per file problem, worded by the rule from what the loader found. */
export function findingsFromFileProblems<C extends FileProblemCode>(
  model: ProjectModel,
  code: C,
  severity: Severity,
  hint: (file: ScriptFile, problem: FileProblemOf<C>) => string,
  message: (file: ScriptFile, problem: FileProblemOf<C>) => string,
  title?: (file: ScriptFile, problem: FileProblemOf<C>) => string,
): Finding[] {
  return fileProblems(model, code).map(({ file, problem }) => ({
    code,
    severity: problem.failure ? 'error' : severity,
    ...(title ? { title: title(file, problem) } : {}),
    message: message(file, problem),
    hint: hint(file, problem),
    path: file.path,
    line: problem.line,
    revision: file.script
      ? file.script.revision.t === 'str'
        ? file.script.revision.v
        : undefined
      : undefined,
    alembicError: alembicOutput(problem.failure),
  }));
}

/**
 * The file Python cannot parse that declares `id` before its syntax error.
 * Alembic stops at that error, so a reference to `id` that looks broken is
 * only its consequence, and fixing the file fixes both.
 */
export function unparsedDeclaring(model: ProjectModel, id: string): ScriptFile | undefined {
  return model.files.find((f) => f.unparsedRevision === id);
}

/** A finding that is only the consequence of an unparseable file: kept, as information, pointing at the cause. */
export function consequenceOf(finding: Finding, file: ScriptFile, what: string): Finding {
  return {
    ...finding,
    severity: 'info',
    message: `${what}. ${file.path} declares it, but Python cannot parse that file (unparseable-file), so Alembic never sees it; this goes away when that file is fixed.`,
    hint: `Fix the syntax error in ${file.path} first.`,
    alembicError: undefined,
  };
}

export function revLocation(rev: Rev | undefined): { path?: string; line?: number; revision?: string } {
  if (!rev) return {};
  return { path: rev.file.path, line: rev.script.line, revision: rev.id };
}

/** A finding's place from a release command's `path:line` (`Procfile:3`); nothing for '' (the command `release --` wraps). */
export function releaseLocation(at: string): { path?: string; line?: number } {
  const m = /^(.*):(\d+)$/u.exec(at);
  if (m) return { path: m[1]!, line: Number(m[2]) };
  return at === '' ? {} : { path: at };
}

/** What SQLAlchemy 1.4 and later raise for a postgres:// URL (Heroku Postgres's scheme). */
export const POSTGRES_SCHEME_REFUSED =
  "sqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres";

/** What engine_from_config raises when the section it is given has no sqlalchemy.url, or an empty one (SQLAlchemy 2's words). */
export const URL_ABSENT_ERROR = "KeyError: 'url'";
export const URL_EMPTY_ERROR =
  'sqlalchemy.exc.ArgumentError: Could not parse SQLAlchemy URL from given URL string';
/** get_main_option gives None for a missing option, which create_engine refuses (SQLAlchemy 1.4: AttributeError: 'NoneType' object has no attribute '_instantiate_plugins'). */
export const URL_NONE_ERROR = 'sqlalchemy.exc.ArgumentError: Expected string or URL object, got None';

/** The env.py lines that read `variable` and turn Heroku's postgres:// into postgresql:// before Alembic uses it. */
export function postgresSchemeFix(variable: string): string {
  return `url = os.environ["${variable}"]\nif url.startswith("postgres://"):\n    url = url.replace("postgres://", "postgresql://", 1)\nconfig.set_main_option("sqlalchemy.url", url.replace("%", "%%"))`;
}

/**
 * A rule that reports one kind of configuration note (facts found while resolving alembic.ini), in its
 * own words: `words` gives the message, and the hint where the note knows the exact fix.
 */
export function configNoteRule<C extends ConfigNote['code']>(
  code: C,
  severity: Severity,
  title: string,
  summary: string,
  hint: string,
  words: (note: Extract<ConfigNote, { readonly code: C }>) => {
    readonly message: string;
    readonly hint?: string;
  },
): Rule {
  return {
    code,
    severity,
    title,
    summary,
    check({ model }) {
      return model.config.notes
        .filter((n): n is Extract<ConfigNote, { readonly code: C }> => n.code === code)
        .map((n) => {
          const said = words(n);
          return {
            code,
            severity,
            message: said.message,
            hint: said.hint ?? hint,
            path: n.path,
            line: n.line,
            alembicError: n.alembicError,
          };
        });
    },
  };
}

const envPys = new WeakMap<
  ProjectModel,
  { readonly abs: string; readonly rel: string; readonly outcome: SourceOutcome }
>();

/** The project's env.py, read and tokenized once for the rules that look at it (its syntax, newer syntax in it). */
const envPyTexts = new WeakMap<ProjectModel, { readonly text: string | undefined }>();

/** env.py's text, read once per model for the rules that scan it; undefined when it is missing or not decodable (other rules report that). */
export function envPyText(model: ProjectModel): string | undefined {
  let env = envPyTexts.get(model);
  if (!env) {
    env = { text: readEnvPyText(model.config) };
    envPyTexts.set(model, env);
  }
  return env.text;
}

/**
 * env.py, read once per model. Where script_location names a package we cannot find, Alembic stops
 * before env.py and so do we: the outcome is unreadable, and the rules that report a missing env.py
 * look at scriptDirUnresolved first.
 */
export function envPySource(model: ProjectModel): {
  readonly abs: string;
  readonly rel: string;
  readonly outcome: SourceOutcome;
} {
  let env = envPys.get(model);
  if (!env) {
    const known = envPyPath(model.config);
    const abs = known ?? path.join(model.config.scriptDir, 'env.py');
    // the bytes the other readers of env.py share; read as a revision file only to word a failure as Python does
    const bytes = known === undefined ? undefined : model.config.files.bytes(abs);
    const outcome: SourceOutcome =
      known === undefined
        ? { kind: 'unreadable', error: 'the script folder is not known' }
        : bytes !== undefined
          ? sourceOutcome(bytes)
          : readSourceFile(model.config.files, abs);
    env = { abs, rel: path.relative(model.config.cwd, abs) || abs, outcome };
    envPys.set(model, env);
  }
  return env;
}
