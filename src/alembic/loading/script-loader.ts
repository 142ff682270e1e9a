import path from 'node:path';
import type { AlembicFeatures } from '../config/alembic-version.js';
import type { DiscoveredFile } from './discovery.js';
import type { ReadResult, RevisionField } from '../reading/revision-reader.js';
import type { SourceOutcome } from '../reading/source-reader.js';
import type { ImportCheck } from '../reading/import-resolver.js';
import type { DeclaredPython } from '../../packaging/python-version.js';
import {
  importProblems,
  loadTimeProblems,
  readSource,
  syntaxProblems,
  unboundProblem,
} from './file-read-problems.js';
import {
  findUnknown,
  keyOf,
  NONE,
  pyRepr,
  toTuple,
  truthy,
  type PyUnknown,
  type PyValue,
} from '../../python/python-value.js';

export type {
  AlembicFailure,
  FileProblem,
  FileProblemCode,
  FileProblemOf,
  InvalidRevisionValue,
  LoadedScript,
  ScriptFile,
} from './script-file.js';
import type { FileProblem, InvalidRevisionValue, LoadedScript, ScriptFile } from './script-file.js';

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
  const read = readSource(file, source, python, problems);
  if (read === undefined) return base;
  const withRead = read.docstring ? { ...base, docstring: read.docstring } : base;
  const unparsed = syntaxProblems(read, python, problems, withRead);
  if (unparsed) return unparsed;
  if (importable) importProblems(read, importable, problems);
  unboundProblem(read, python, problems);
  loadTimeProblems(read, file, problems);
  const at: Loading = { file, read, problems, features, resolveImported };
  // 1. revision (or the legacy hex filename)
  const id = revisionOf(at);
  if (!id) return withRead;
  // 2. module.down_revision (a plain attribute access), then the other fields
  const fields = otherFields(at);
  if (!fields) return withRead;
  // 3. Revision.__init__: self-loops first, then the id check
  if (!revisionInitPasses(at, id, fields)) return withRead;
  // 4. normalisation
  return { ...withRead, script: normalised(features, id, fields) };
}

/** One file's loading after it was read: what each step reads and where its problems go. */
interface Loading {
  readonly file: DiscoveredFile;
  readonly read: ReadResult;
  readonly problems: FileProblem[];
  readonly features: AlembicFeatures;
  readonly resolveImported?: (u: PyUnknown) => PyValue | undefined;
}

interface FieldRead {
  readonly value: PyValue;
  readonly line?: number;
  readonly missing: boolean;
}

/** The revision id and where it comes from. */
interface RevisionId {
  readonly revision: PyValue;
  readonly idSource: 'variable' | 'filename';
  readonly rev: FieldRead;
}

/** down_revision, branch_labels and depends_on, unknown values placed as None. */
interface OtherFields {
  readonly down: FieldRead;
  readonly downValue: PyValue;
  readonly labelsField: FieldRead;
  readonly depsField: FieldRead;
  readonly dependencies: readonly PyValue[];
  readonly branchLabels: readonly PyValue[];
  readonly uncertainFields: RevisionField[];
}

function field(at: Loading, name: RevisionField): FieldRead {
  const b = at.read.fields[name];
  if (!b) return { value: NONE, missing: true };
  let value = b.value;
  if (at.resolveImported) value = substituteImports(value, at.resolveImported);
  return { value, line: b.line, missing: false };
}

function uncertain(at: Loading, name: RevisionField, u: PyUnknown, line?: number): void {
  at.problems.push({ code: 'not-statically-known', field: name, reason: u.reason, line });
}

/** Step 1: the revision variable, or the legacy hex file name; undefined where Alembic stops. */
function revisionOf(at: Loading): RevisionId | undefined {
  const { read, problems, file } = at;
  const rev = field(at, 'revision');
  let revision: PyValue;
  let idSource: 'variable' | 'filename' = 'variable';
  if (rev.missing) {
    if (read.dynamic.length > 0) {
      problems.push({
        code: 'not-statically-known',
        field: 'revision',
        reason: read.dynamic[0]!.reason,
        neverAssigned: true,
        line: read.dynamic[0]?.line,
      });
      return undefined;
    }
    const m = LEGACY_REV.exec(file.fileName);
    if (!m) {
      const msg = `Could not determine revision id from filename ${file.fileName}. Be sure the 'revision' variable is declared inside the script (please see 'Upgrading from Alembic 0.1 to 0.2' in the documentation).`;
      problems.push({
        code: 'no-revision-variable',
        message: msg,
        failure: { exception: 'CommandError', message: msg, commandError: true },
      });
      return undefined;
    }
    revision = { t: 'str', v: m[1]! };
    idSource = 'filename';
  } else {
    const u = findUnknown(rev.value);
    if (u) {
      uncertain(at, 'revision', u, rev.line);
      return undefined;
    }
    revision = rev.value;
  }
  return { revision, idSource, rev };
}

/** Step 2: module.down_revision, then branch_labels and depends_on; undefined where Alembic stops. */
function otherFields(at: Loading): OtherFields | undefined {
  const { read, problems, file } = at;
  const down = field(at, 'down_revision');
  if (down.missing) {
    if (read.dynamic.length > 0) {
      problems.push({
        code: 'not-statically-known',
        field: 'down_revision',
        reason: read.dynamic[0]!.reason,
        neverAssigned: true,
        line: read.dynamic[0]?.line,
      });
      return undefined;
    }
    const moduleId = file.fileName.replace(/\W/gu, '_');
    const msg = `AttributeError: module '${moduleId}' has no attribute 'down_revision'`;
    problems.push({
      code: 'no-down-revision-variable',
      message: msg,
      failure: { exception: 'AttributeError', message: msg, commandError: false },
    });
    return undefined;
  }
  const uncertainFields: RevisionField[] = [];
  let downValue = down.value;
  const du = findUnknown(downValue);
  if (du) {
    uncertain(at, 'down_revision', du, down.line);
    uncertainFields.push('down_revision');
    downValue = NONE;
  }
  const labelsField = field(at, 'branch_labels');
  let labelsValue = labelsField.value;
  const lu = findUnknown(labelsValue);
  if (lu) {
    uncertain(at, 'branch_labels', lu, labelsField.line);
    uncertainFields.push('branch_labels');
    labelsValue = NONE;
  }
  const depsField = field(at, 'depends_on');
  let depsValue = depsField.value;
  const dpu = findUnknown(depsValue);
  if (dpu) {
    uncertain(at, 'depends_on', dpu, depsField.line);
    uncertainFields.push('depends_on');
    depsValue = NONE;
  }
  const dependencies = toTuple(depsValue, [])!;
  const branchLabels = toTuple(labelsValue, [])!;
  return { down, downValue, labelsField, depsField, dependencies, branchLabels, uncertainFields };
}

/** Step 3: Revision.__init__'s checks; false where Alembic stops (its problem pushed). */
function revisionInitPasses(at: Loading, id: RevisionId, fields: OtherFields): boolean {
  const { problems, features } = at;
  const { revision, rev } = id;
  const { down, downValue, depsField, dependencies } = fields;
  const revKey = keyOf(revision);
  if (truthy(downValue) && toTuple(downValue, [])!.some((d) => keyOf(d) === revKey)) {
    const msg = `Self-loop is detected in revisions (${pyStrOf(revision)})`;
    problems.push({
      code: 'self-loop',
      message: msg,
      line: down.line,
      failure: { exception: 'LoopDetected', message: msg, commandError: true },
    });
    return false;
  }
  if (dependencies.some((d) => keyOf(d) === revKey)) {
    const msg = `Dependency self-loop is detected in revisions (${pyStrOf(revision)})`;
    problems.push({
      code: 'self-loop',
      message: msg,
      line: depsField.line,
      failure: { exception: 'DependencyLoopDetected', message: msg, commandError: true },
    });
    return false;
  }
  if (revision.t === 'int' || revision.t === 'none' || revision.t === 'bool') {
    const typeName = revision.t === 'none' ? 'NoneType' : revision.t;
    const msg = `TypeError: '${typeName}' object is not iterable`;
    problems.push({
      code: 'invalid-revision-value',
      field: 'revision',
      why: 'not-a-string',
      repr: pyRepr(revision),
      typeError: msg,
      line: rev.line,
      failure: { exception: 'TypeError', message: msg, commandError: false },
    });
    return false;
  }
  if (revision.t === 'list' || (revision.t === 'tuple' && findUnhashable(revision))) {
    const msg = `TypeError: unhashable type: '${revision.t === 'list' ? 'list' : findUnhashable(revision)}'`;
    problems.push({
      code: 'invalid-revision-value',
      field: 'revision',
      why: 'not-a-string',
      repr: pyRepr(revision),
      line: rev.line,
      failure: { exception: 'TypeError', message: msg, commandError: false },
    });
    return false;
  }
  // verify_rev_id: set(revision) & illegal characters; a tuple's members are its items, whole
  // most ids hold none of the characters: only those that do are split into their members
  const suspect = revision.t === 'tuple' || (revision.t === 'str' && MAY_BE_ILLEGAL.test(revision.v));
  const members = !suspect
    ? []
    : revision.t === 'str'
      ? [...revision.v]
      : revision.t === 'tuple'
        ? revision.items.flatMap((i) => (i.t === 'str' ? [i.v] : []))
        : [];
  const illegal = new Set(
    members.filter((ch) => ch === '@' || ch === '-' || ch === '+' || (ch === ':' && features.colonIllegal)),
  );
  if (illegal.size > 0) {
    const msg = `Character(s) '${[...illegal].sort().join(', ')}' not allowed in revision identifier '${revision.t === 'str' ? revision.v : pyRepr(revision)}'`;
    problems.push({
      code: 'illegal-revision-characters',
      message: msg,
      line: rev.line,
      failure: { exception: 'RevisionError', message: msg, commandError: true },
    });
    return false;
  }
  const looksWrong = revisionLooksWrong(revision);
  if (looksWrong) problems.push({ code: 'invalid-revision-value', ...looksWrong, line: rev.line });

  // before 1.12.1, tuple_rev_as_scalar(down_revision) takes len() of the raw value
  if (
    !features.emptyStringDownRevisionIsKey &&
    (downValue.t === 'int' || downValue.t === 'bool') &&
    truthy(downValue)
  ) {
    const msg = `TypeError: object of type '${downValue.t}' has no len()`;
    problems.push({
      code: 'invalid-revision-value',
      field: 'down_revision',
      why: 'not-a-string',
      repr: pyRepr(downValue),
      typeError: msg,
      line: down.line,
      failure: { exception: 'TypeError', message: msg, commandError: false },
    });
    return false;
  }
  return true;
}

/**
 * A revision id Alembic loads but then uses otherwise than it looks: one of its own words, the empty
 * string, a tuple (filed under the tuple itself), bytes (fails when resolved).
 */
function revisionLooksWrong(revision: PyValue): InvalidRevisionValue | undefined {
  // loaded under that key, but every argument naming it is read as the word first
  if (revision.t === 'str' && (revision.v === 'head' || revision.v === 'heads' || revision.v === 'base'))
    return { field: 'revision', why: 'keyword', word: revision.v };
  // Alembic files it under "", but `if current_head:` then resolves `head` to nothing
  if (revision.t === 'str' && revision.v === '') return { field: 'revision', why: 'empty' };
  // hashable, so Alembic files the revision under the tuple itself, which no down_revision or row can name
  if (revision.t === 'tuple')
    return { field: 'revision', why: 'tuple', repr: pyRepr(revision), empty: revision.items.length === 0 };
  if (revision.t === 'bytes') return { field: 'revision', why: 'bytes', repr: pyRepr(revision) };
  return undefined;
}

/** Step 4: the script as Alembic's Revision holds it. */
function normalised(features: AlembicFeatures, id: RevisionId, fields: OtherFields): LoadedScript {
  const { revision, idSource, rev } = id;
  const { down, downValue, labelsField, depsField, dependencies, branchLabels, uncertainFields } = fields;
  const revKey = keyOf(revision);
  // 4. normalisation (tuple_rev_as_scalar(to_tuple(...)); before 1.12.1 without to_tuple)
  // then _versioned_down_revisions = to_tuple(down_revision, default=()): a one-item sequence is its item,
  // so [None] and (None,) mean base
  const scalar = tupleRevAsScalar(
    features.emptyStringDownRevisionIsKey ? { t: 'tuple', items: toTuple(downValue, [])! } : downValue,
  );
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
  return script;
}

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

/** `tuple_rev_as_scalar`: falsy is None, a one-item sequence its item (`rev[0]`), anything else itself. */
function tupleRevAsScalar(v: PyValue): PyValue {
  if (!truthy(v)) return NONE;
  if ((v.t === 'tuple' || v.t === 'list') && v.items.length === 1) return v.items[0]!;
  if (v.t === 'bytes' && v.v.length === 1) return { t: 'int', v: BigInt(v.v.charCodeAt(0)) };
  return v;
}

function substituteImports(v: PyValue, resolve: (u: PyUnknown) => PyValue | undefined): PyValue {
  if (v.t === 'unknown') return v.importedFrom ? (resolve(v) ?? v) : v;
  if (v.t === 'tuple' || v.t === 'list')
    return { t: v.t, items: v.items.map((x) => substituteImports(x, resolve)) };
  return v;
}

function pyStrOf(v: PyValue): string {
  return v.t === 'str' ? v.v : pyRepr(v);
}

export function relativeDisplay(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel === '' ? '.' : rel;
}
