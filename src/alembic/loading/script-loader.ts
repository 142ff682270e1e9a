import path from 'node:path';
import type { AlembicFeatures } from '../config/alembic-version.js';
import type { DiscoveredFile } from './discovery.js';
import type { Docstring, RevisionField } from '../reading/revision-reader.js';
import { NULL_BYTES, nullBytesForPython, type SourceOutcome } from '../reading/source-reader.js';
import type { ImportCheck } from '../reading/import-resolver.js';
import { newerSyntaxIssue } from '../reading/newer-syntax.js';
import type { NewerSyntax } from '../../python/python-tokenizer.js';
import type { DeclaredPython } from '../../packaging/python-version.js';
import { findUnknown, keyOf, NONE, pyRepr, toTuple, truthy, type PyUnknown, type PyValue } from '../../python/python-value.js';

/** Why Alembic fails on a file, in Alembic's own words. */
export interface AlembicFailure {
  /** Python exception class, e.g. "KeyError", "CommandError", "LoopDetected". */
  readonly exception: string;
  readonly message: string;
  /** True when `alembic upgrade` prints it as `FAILED: …` (a CommandError or RevisionError). */
  readonly commandError: boolean;
  /**
   * Other messages Alembic may print first instead: where it walks a Python
   * set of revisions, which one it meets first depends on object addresses.
   */
  readonly orderVaries?: readonly string[];
}

export type FileProblemCode =
  | 'unreadable-file'
  | 'unparseable-file'
  | 'bytecode-only-revision'
  | 'no-revision-variable'
  | 'no-down-revision-variable'
  | 'not-statically-known'
  | 'invalid-revision-value'
  | 'self-loop'
  | 'illegal-revision-characters'
  | 'unresolved-import'
  | 'module-level-op-call'
  | 'no-upgrade-function'
  | 'name-not-defined'
  | 'needs-newer-python';

export interface FileProblem {
  readonly code: FileProblemCode;
  readonly message: string;
  readonly line?: number;
  /** Set when Alembic fails on this file (otherwise the problem only makes our model uncertain). */
  readonly failure?: AlembicFailure;
  /** The fix, where it depends on what was found (the rule's own hint otherwise). */
  readonly hint?: string;
  /** needs-newer-python: the declared Python rejects the file (false: no Python is declared). */
  readonly blocking?: boolean;
  /** unresolved-import: the module imported, when nothing declares it and the repository has no such package. */
  readonly undeclared?: string;
}

export interface ScriptFile {
  readonly index: number;
  /** Relative to the working folder, for messages and JSON. */
  readonly path: string;
  readonly absPath: string;
  readonly fileName: string;
  /** The module docstring, when the file was read (Alembic shows its first paragraph as the message). */
  readonly docstring?: Docstring;
  /** Problems in the order Alembic would meet them; the first with a failure stops Alembic. */
  readonly problems: FileProblem[];
  /** Present when the file yields a revision we can place in the graph. */
  readonly script?: LoadedScript;
  /**
   * The revision id a file that Python cannot parse assigns before its syntax
   * error. It is not in the graph (Alembic cannot load the file), but it tells
   * which broken references are only the consequence of this file.
   */
  readonly unparsedRevision?: string;
  /** The down revisions such a file assigns before its error, when they are plain strings: which heads it would close. */
  readonly unparsedDownRevisions?: readonly string[];
  /** A file Python cannot parse that holds a merge conflict marker: its line (the likely cause, for the hint). */
  readonly conflictMarkerLine?: number;
}

/** Alembic's `Script`/`Revision` constructor output, as data. */
export interface LoadedScript {
  readonly revision: PyValue;
  readonly key: string;
  readonly idSource: 'variable' | 'filename';
  readonly line?: number;
  readonly downRevision: PyValue;
  readonly downLine?: number;
  /** `_versioned_down_revisions` as map keys. */
  readonly versionedDown: readonly string[];
  readonly versionedDownValues: readonly PyValue[];
  /** depends_on as written, normalised to a list. */
  readonly dependsOn: readonly PyValue[];
  readonly dependsOnLine?: number;
  /** What `_add_depends_on` resolves: `to_tuple(self.dependencies)` when that scalar is truthy. */
  readonly resolvedDependsOn: readonly PyValue[];
  /** `self.dependencies is None` (`_is_real_base` reads it): no depends_on, or a falsy one. */
  readonly dependenciesIsNone: boolean;
  readonly branchLabels: readonly PyValue[];
  readonly branchLabelsLine?: number;
  /** Fields whose value we could not know; the script is placed with them as None. */
  readonly uncertainFields: readonly RevisionField[];
}

const LEGACY_REV = /^([a-f0-9]+)\.py$/;
/** A character verify_rev_id may refuse (':' only in some releases). */
const MAY_BE_ILLEGAL = /[@+:-]/u;

/**
 * Emulates importing one revision file and constructing its `Script`, in the
 * order Alembic does (reference §2.5 and §3). Pure: contents in, data out.
 */
export function loadScript(
  index: number,
  file: DiscoveredFile,
  displayPath: string,
  /** Called only for source files: bytecode is never read. */
  source: () => SourceOutcome,
  features: AlembicFeatures,
  resolveImported?: (u: PyUnknown) => PyValue | undefined,
  importable?: ImportCheck,
  python?: DeclaredPython | null,
): ScriptFile {
  const problems: FileProblem[] = [];
  const base = { index, path: displayPath, absPath: file.loadPath, fileName: file.fileName, problems };
  if (file.kind === 'bytecode') {
    problems.push({
      code: 'bytecode-only-revision',
      message: `${file.fileName} is compiled bytecode with no source beside it; with sourceless = true Alembic executes it, but it cannot be read statically.`,
    });
    return base;
  }
  const outcome = source();
  if (outcome.kind === 'unreadable') {
    // a pipe or an endless device: Alembic raises nothing, it never gets past reading the file
    const failure = outcome.endless !== undefined ? { exception: 'none', message: outcome.endless } : { exception: outcome.error.split(':')[0]!, message: outcome.error };
    problems.push({ code: 'unreadable-file', message: outcome.error, failure: { ...failure, commandError: false } });
    return base;
  }
  if (outcome.kind === 'undecodable') {
    const error = nullBytesForPython(outcome.error, python);
    problems.push({
      code: 'unparseable-file',
      message: error === NULL_BYTES && !python ? `${error} (Python 3.11.4 and later raise SyntaxError with these words)` : error,
      line: outcome.line,
      failure: { exception: error.split(':')[0]!, message: error, commandError: false },
    });
    return base;
  }
  const read = outcome.read;
  const withRead = read.docstring ? { ...base, docstring: read.docstring } : base;
  // an error only newer Pythons have (`lazy import` in a function): an older declared Python fails
  // earlier, at the newer syntax itself, which needs-newer-python reports with its message
  const onlyNewer = read.syntaxError?.since !== undefined;
  const newer = read.newer ? newerSyntaxProblem(read.newer, python, onlyNewer ? undefined : read.syntaxError?.line) : undefined;
  if (newer) problems.push(newer);
  if (read.syntaxError && !(onlyNewer && newer?.blocking === true)) {
    const exception = read.syntaxError.exception ?? 'SyntaxError';
    problems.push({
      code: 'unparseable-file',
      message: `${exception}: ${read.syntaxError.message} (line ${read.syntaxError.line})`,
      line: read.syntaxError.line,
      failure: { exception, message: `${exception}: ${read.syntaxError.message}`, commandError: false },
    });
    const declared = read.fields.revision?.value;
    const marked = read.syntaxError.conflictMarkerLine === undefined ? withRead : { ...withRead, conflictMarkerLine: read.syntaxError.conflictMarkerLine };
    if (declared?.t !== 'str') return marked;
    const down = read.fields.down_revision?.value;
    const items = down?.t === 'str' ? [down] : down?.t === 'tuple' || down?.t === 'list' ? down.items : down?.t === 'none' ? [] : undefined;
    const parents = items?.every((i): i is Extract<PyValue, { t: 'str' }> => i.t === 'str') ? items.map((i) => i.v) : undefined;
    return { ...marked, unparsedRevision: declared.v, ...(parents ? { unparsedDownRevisions: parents } : {}) };
  }
  if (importable) {
    for (const imp of read.imports) {
      if (imp.level > 0) {
        const msg = 'ImportError: attempted relative import with no known parent package';
        problems.push({
          code: 'unresolved-import',
          message: `uses a relative import (from ${'.'.repeat(imp.level)}${imp.module} import …). Alembic loads migration files as top-level modules, so this always fails: ${msg}.`,
          line: imp.line,
          failure: { exception: 'ImportError', message: msg, commandError: false },
        });
      } else {
        const found = importable(imp.module);
        if (found === true) continue;
        const fails = `every command fails with ModuleNotFoundError: No module named '${imp.module}'`;
        problems.push(
          found.elsewhere
            ? {
                code: 'unresolved-import',
                message: `imports ${imp.module}, which the repository has at ${found.elsewhere.path}, but not on Python's path where Alembic runs (the working folder, the ini's folder, prepend_sys_path) and not as a declared requirement. Alembic executes this import when it loads the file: unless something puts that folder's parent on sys.path first (the application, PYTHONPATH), ${fails}.`,
                line: imp.line,
                hint: `Put it on Alembic's path: prepend_sys_path = ${found.elsewhere.prepend} in the [alembic] section (or PYTHONPATH). Better still, move the import inside upgrade()/downgrade() so it only runs when that migration does: migrations that import application code break when that code changes later.`,
              }
            : {
                code: 'unresolved-import',
                message: `imports ${imp.module}, which is not in the standard library, not in this repository and not declared in requirements.txt, pyproject.toml or a lock file. Alembic executes this import when it loads the file; if ${imp.module} is missing there, ${fails}.`,
                line: imp.line,
                undeclared: imp.module,
              },
        );
      }
    }
  }
  // an annotation's name fails first where the declared Python evaluates annotations (3.14 defers them)
  const inAnnotation = read.unboundAnnotation !== undefined && python !== null && python !== undefined && python.minor < 14;
  const unbound = inAnnotation ? read.unboundAnnotation : read.unboundName;
  if (unbound) {
    const { name, line } = unbound;
    const error = `NameError: name '${name}' is not defined`;
    const where = inAnnotation ? `in an annotation, which Python ${python!.text} (${python!.source}) evaluates when it runs the file,` : 'at module level';
    const problem: FileProblem = {
      code: 'name-not-defined',
      message: `reads ${name} ${where} (line ${line}) before anything binds it, so Python raises ${error} whenever Alembic loads the file: every command fails`,
      line,
      failure: { exception: 'NameError', message: error, commandError: false },
      hint: `Define ${name} before line ${line}, import it, or correct its spelling. What a migration needs from the application is safer imported inside upgrade().`,
    };
    // Python stops at whichever comes first in the file: this, or a relative import that fails
    const later = problems.findIndex((p) => p.code === 'unresolved-import' && p.failure !== undefined && (p.line ?? 0) > line);
    if (later >= 0) problems.splice(later, 0, problem);
    else problems.push(problem);
  }
  const call = read.proxyCalls[0];
  if (call) {
    // Alembic's own text, from alembic.util.langhelpers.ModuleClsProxy
    const error = `NameError: Can't invoke function '${call.method}', as the proxy object has not yet been established for the Alembic 'Operations' class.  Try placing this code inside a callable.`;
    const more = read.proxyCalls.length > 1 ? ` (and ${read.proxyCalls.length - 1} more op call${read.proxyCalls.length > 2 ? 's' : ''} outside functions)` : '';
    problems.push({
      code: 'module-level-op-call',
      message: `calls op.${call.method}() outside upgrade() and downgrade()${more}, so it runs whenever Alembic loads the scripts. op only works during a migration run: \`alembic upgrade\`, \`downgrade\`, \`stamp\` and \`current\` still work, but \`alembic heads\`, \`history\` and \`revision\` fail with ${error}`,
      line: call.line,
    });
  }
  if (read.upgradeBound === 'no' && !read.syntaxError) {
    // Alembic imports the module as its file name with every non-word character made '_'
    const module = file.fileName.replace(/[^\p{L}\p{N}_]/gu, '_');
    problems.push({
      code: 'no-upgrade-function',
      message: `defines no upgrade() at module level, so Alembic fails when it runs this revision: AttributeError: module '${module}' has no attribute 'upgrade'`,
      line: 1,
    });
  }
  const dynamicLine = read.dynamic[0]?.line;
  const field = (name: RevisionField): { value: PyValue; line?: number; missing: boolean } => {
    const b = read.fields[name];
    if (!b) return { value: NONE, missing: true };
    let value = b.value;
    if (resolveImported) value = substituteImports(value, resolveImported);
    return { value, line: b.line, missing: false };
  };
  const uncertain = (name: RevisionField, u: PyUnknown, line?: number): void => {
    problems.push({
      code: 'not-statically-known',
      message: `${name} is ${u.reason}; its value is only known when Python runs the file.`,
      line,
    });
  };

  // 1. revision (or the legacy hex filename)
  const rev = field('revision');
  let revision: PyValue;
  let idSource: 'variable' | 'filename' = 'variable';
  if (rev.missing) {
    if (read.dynamic.length > 0) {
      problems.push({ code: 'not-statically-known', message: `revision is never assigned, but ${read.dynamic[0]!.reason}.`, line: dynamicLine });
      return withRead;
    }
    const m = LEGACY_REV.exec(file.fileName);
    if (!m) {
      const msg = `Could not determine revision id from filename ${file.fileName}. Be sure the 'revision' variable is declared inside the script (please see 'Upgrading from Alembic 0.1 to 0.2' in the documentation).`;
      problems.push({ code: 'no-revision-variable', message: msg, failure: { exception: 'CommandError', message: msg, commandError: true } });
      return withRead;
    }
    revision = { t: 'str', v: m[1]! };
    idSource = 'filename';
  } else {
    const u = findUnknown(rev.value);
    if (u) {
      uncertain('revision', u, rev.line);
      return withRead;
    }
    revision = rev.value;
  }

  // 2. module.down_revision (a plain attribute access)
  const down = field('down_revision');
  if (down.missing) {
    if (read.dynamic.length > 0) {
      problems.push({ code: 'not-statically-known', message: `down_revision is never assigned, but ${read.dynamic[0]!.reason}.`, line: dynamicLine });
      return withRead;
    }
    const moduleId = file.fileName.replace(/\W/gu, '_');
    const msg = `AttributeError: module '${moduleId}' has no attribute 'down_revision'`;
    problems.push({ code: 'no-down-revision-variable', message: msg, failure: { exception: 'AttributeError', message: msg, commandError: false } });
    return withRead;
  }
  const uncertainFields: RevisionField[] = [];
  let downValue = down.value;
  const du = findUnknown(downValue);
  if (du) {
    uncertain('down_revision', du, down.line);
    uncertainFields.push('down_revision');
    downValue = NONE;
  }
  const labelsField = field('branch_labels');
  let labelsValue = labelsField.value;
  const lu = findUnknown(labelsValue);
  if (lu) {
    uncertain('branch_labels', lu, labelsField.line);
    uncertainFields.push('branch_labels');
    labelsValue = NONE;
  }
  const depsField = field('depends_on');
  let depsValue = depsField.value;
  const dpu = findUnknown(depsValue);
  if (dpu) {
    uncertain('depends_on', dpu, depsField.line);
    uncertainFields.push('depends_on');
    depsValue = NONE;
  }
  const dependencies = toTuple(depsValue, [])!;
  const branchLabels = toTuple(labelsValue, [])!;

  // 3. Revision.__init__: self-loops first, then the id check
  const revKey = keyOf(revision);
  if (truthy(downValue) && (toTuple(downValue, [])!).some((d) => keyOf(d) === revKey)) {
    const msg = `Self-loop is detected in revisions (${pyStrOf(revision)})`;
    problems.push({ code: 'self-loop', message: msg, line: down.line, failure: { exception: 'LoopDetected', message: msg, commandError: true } });
    return withRead;
  }
  if (dependencies.some((d) => keyOf(d) === revKey)) {
    const msg = `Dependency self-loop is detected in revisions (${pyStrOf(revision)})`;
    problems.push({ code: 'self-loop', message: msg, line: depsField.line, failure: { exception: 'DependencyLoopDetected', message: msg, commandError: true } });
    return withRead;
  }
  if (revision.t === 'int' || revision.t === 'none' || revision.t === 'bool') {
    const typeName = revision.t === 'none' ? 'NoneType' : revision.t;
    const msg = `TypeError: '${typeName}' object is not iterable`;
    problems.push({ code: 'invalid-revision-value', message: `revision = ${pyRepr(revision)} is not a string. ${msg}`, line: rev.line, failure: { exception: 'TypeError', message: msg, commandError: false } });
    return withRead;
  }
  if (revision.t === 'list' || (revision.t === 'tuple' && findUnhashable(revision))) {
    const msg = `TypeError: unhashable type: '${revision.t === 'list' ? 'list' : findUnhashable(revision)}'`;
    problems.push({ code: 'invalid-revision-value', message: `revision = ${pyRepr(revision)} is not a string.`, line: rev.line, failure: { exception: 'TypeError', message: msg, commandError: false } });
    return withRead;
  }
  // verify_rev_id: set(revision) & illegal characters; a tuple's members are its items, whole
  // most ids hold none of the characters: only those that do are split into their members
  const suspect = revision.t === 'tuple' || (revision.t === 'str' && MAY_BE_ILLEGAL.test(revision.v));
  const members = !suspect ? [] : revision.t === 'str' ? [...revision.v] : revision.t === 'tuple' ? revision.items.flatMap((i) => (i.t === 'str' ? [i.v] : [])) : [];
  const illegal = new Set(members.filter((ch) => ch === '@' || ch === '-' || ch === '+' || (ch === ':' && features.colonIllegal)));
  if (illegal.size > 0) {
    const msg = `Character(s) '${[...illegal].sort().join(', ')}' not allowed in revision identifier '${revision.t === 'str' ? revision.v : pyRepr(revision)}'`;
    problems.push({ code: 'illegal-revision-characters', message: msg, line: rev.line, failure: { exception: 'RevisionError', message: msg, commandError: true } });
    return withRead;
  }
  if (revision.t === 'str') {
    if (revision.v === 'head' || revision.v === 'heads' || revision.v === 'base') {
      // loaded under that key, but every argument naming it is read as the word first
      problems.push({
        code: 'invalid-revision-value',
        message: `revision = '${revision.v}' is one of Alembic's own words. Alembic loads it, but reads every mention of it as the word: \`alembic upgrade\` then runs other revisions than this one, or fails with "Multiple head revisions are present".`,
        line: rev.line,
      });
    }
    if (revision.v === '') {
      // Alembic files it under "", but `if current_head:` then resolves `head` to nothing
      problems.push({
        code: 'invalid-revision-value',
        message: 'revision = "" is the empty string. Alembic loads it, but when it is the head, `alembic upgrade head` resolves to nothing and silently runs no migration at all.',
        line: rev.line,
      });
    }
  } else if (revision.t === 'tuple') {
    // hashable, so Alembic files the revision under the tuple itself, which no down_revision or row can name
    problems.push({
      code: 'invalid-revision-value',
      message: `revision = ${pyRepr(revision)} is a tuple, not a string. Alembic files the revision under the tuple itself: a down_revision naming it finds nothing, and when it is the head \`alembic upgrade head\` ${
        revision.items.length === 0 ? 'resolves to nothing (the empty tuple is false) and silently runs no migration at all' : "fails with TypeError: int() argument must be a string, a bytes-like object or a real number, not 'tuple'"
      }.`,
      line: rev.line,
    });
  } else if (revision.t === 'bytes') {
    problems.push({
      code: 'invalid-revision-value',
      message: `revision = ${pyRepr(revision)} is bytes, not a string; Alembic builds the graph but fails when it resolves it: revision identifier ${pyRepr(revision)} is not a string; ensure database driver settings are correct`,
      line: rev.line,
    });
  }

  // before 1.12.1, tuple_rev_as_scalar(down_revision) takes len() of the raw value
  if (!features.emptyStringDownRevisionIsKey && (downValue.t === 'int' || downValue.t === 'bool') && truthy(downValue)) {
    const msg = `TypeError: object of type '${downValue.t}' has no len()`;
    problems.push({ code: 'invalid-revision-value', message: `down_revision = ${pyRepr(downValue)} is not a string. ${msg}`, line: down.line, failure: { exception: 'TypeError', message: msg, commandError: false } });
    return withRead;
  }

  // 4. normalisation (tuple_rev_as_scalar(to_tuple(...)); before 1.12.1 without to_tuple)
  // then _versioned_down_revisions = to_tuple(down_revision, default=()): a one-item sequence is its item,
  // so [None] and (None,) mean base
  const scalar = tupleRevAsScalar(features.emptyStringDownRevisionIsKey ? { t: 'tuple', items: toTuple(downValue, [])! } : downValue);
  const versionedDownValues: readonly PyValue[] = toTuple(scalar, [])!;
  // Script passes depends_on as to_tuple(…, default=()) in every release; Revision makes it a scalar
  const depsScalar = tupleRevAsScalar({ t: 'tuple', items: dependencies });
  const script: LoadedScript = {
    revision,
    key: revKey,
    idSource,
    line: rev.line,
    downRevision: downValue,
    downLine: down.line,
    versionedDown: versionedDownValues.map(keyOf),
    versionedDownValues,
    dependsOn: dependencies,
    dependsOnLine: depsField.line,
    resolvedDependsOn: truthy(depsScalar) ? toTuple(depsScalar, [])! : [],
    dependenciesIsNone: depsScalar.t === 'none',
    branchLabels,
    branchLabelsLine: labelsField.line,
    uncertainFields,
  };
  return { ...withRead, script };
}

/** `tuple_rev_as_scalar`: falsy is None, a one-item sequence its item (`rev[0]`), anything else itself. */
/** The type name of the first unhashable item of a tuple (a list inside it), as Python's TypeError names it. */
function findUnhashable(v: PyValue): string | undefined {
  if (v.t === 'list') return 'list';
  if (v.t !== 'tuple') return undefined;
  for (const item of v.items) {
    const found = findUnhashable(item);
    if (found) return found;
  }
  return undefined;
}

function tupleRevAsScalar(v: PyValue): PyValue {
  if (!truthy(v)) return NONE;
  if ((v.t === 'tuple' || v.t === 'list') && v.items.length === 1) return v.items[0]!;
  if (v.t === 'bytes' && v.v.length === 1) return { t: 'int', v: BigInt(v.v.charCodeAt(0)) };
  return v;
}

function substituteImports(v: PyValue, resolve: (u: PyUnknown) => PyValue | undefined): PyValue {
  if (v.t === 'unknown') return v.importedFrom ? resolve(v) ?? v : v;
  if (v.t === 'tuple' || v.t === 'list') return { t: v.t, items: v.items.map((x) => substituteImports(x, resolve)) };
  return v;
}

function pyStrOf(v: PyValue): string {
  return v.t === 'str' ? v.v : pyRepr(v);
}

export function relativeDisplay(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel === '' ? '.' : rel;
}

/** The file's first syntax that the project's Python may not accept, as a problem (blocking when a declared Python rejects it). */
export function newerSyntaxProblem(uses: readonly NewerSyntax[], python: DeclaredPython | null | undefined, errorLine: number | undefined): FileProblem | undefined {
  const issue = newerSyntaxIssue(uses, python, errorLine);
  if (!issue) return undefined;
  const { use } = issue;
  const needs = `line ${use.line} uses ${use.feature}, which needs Python 3.${use.since} or later`;
  if (!python) {
    return {
      code: 'needs-newer-python',
      message: `${needs}. The project declares no Python version (runtime.txt, .python-version or Pipfile.lock), so whether the Python that runs Alembic accepts it cannot be told; Heroku then uses the version cached from an earlier build, or its default`,
      line: use.line,
      blocking: false,
    };
  }
  const message = issue.message === undefined ? undefined : `SyntaxError: ${issue.message}`;
  return {
    code: 'needs-newer-python',
    message: `${needs}, and the app runs Python ${python.text} (${python.source}): Python 3.${python.minor} cannot compile this file, so Alembic fails when it loads it${message ? ` (${message})` : ''}`,
    line: use.line,
    blocking: true,
    ...(message ? { failure: { exception: 'SyntaxError', message, commandError: false } } : {}),
  };
}
