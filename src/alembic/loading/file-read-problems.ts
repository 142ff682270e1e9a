import type { DiscoveredFile } from './discovery.js';
import type { ReadResult } from '../reading/revision-reader.js';
import { NULL_BYTES, nullBytesForPython, type SourceOutcome } from '../reading/source-reader.js';
import type { ImportCheck } from '../reading/import-resolver.js';
import { newerSyntaxIssue } from '../reading/newer-syntax.js';
import type { NewerSyntax, SyntaxProblem } from '../../python/python-tokenizer.js';
import type { DeclaredPython } from '../../packaging/python-version.js';
import type { PyValue } from '../../python/python-value.js';
import type { FileProblem, FileProblemOf, ScriptFile } from './script-file.js';

// What keeps Python from reading or importing a revision file, in the order Python meets it: the
// bytes, the syntax, the imports, a name read before it is bound, what runs at import time.

/** The file's source read, or undefined (with its problem) when Python cannot get to its text. */
export function readSource(
  file: DiscoveredFile,
  source: () => SourceOutcome,
  python: DeclaredPython | null | undefined,
  problems: FileProblem[],
): ReadResult | undefined {
  if (file.kind === 'bytecode') {
    problems.push({ code: 'bytecode-only-revision' });
    return undefined;
  }
  const outcome = source();
  if (outcome.kind === 'unreadable') {
    // a pipe or an endless device: Alembic raises nothing, it never gets past reading the file
    const failure =
      outcome.endless !== undefined
        ? { exception: 'none', message: outcome.endless }
        : { exception: outcome.error.split(':')[0]!, message: outcome.error };
    problems.push({
      code: 'unreadable-file',
      message: outcome.error,
      failure: { ...failure, commandError: false },
    });
    return undefined;
  }
  if (outcome.kind === 'undecodable') {
    const error = nullBytesForPython(outcome.error, python);
    problems.push({
      code: 'unparseable-file',
      error,
      at: 'bytes',
      ...(error === NULL_BYTES && !python ? { wordingVaries: true as const } : {}),
      line: outcome.line,
      failure: { exception: error.split(':')[0]!, message: error, commandError: false },
    });
    return undefined;
  }
  return outcome.read;
}

/**
 * A syntax error as Python names it (`SyntaxError: …`), and what Alembic prints for it: Python's
 * words, which only the interpreter gives; for the static reader's own words, the exception alone.
 */
export function syntaxErrorText(e: SyntaxProblem): { exception: string; error: string; printed: string } {
  const exception = e.exception ?? 'SyntaxError';
  const error = `${exception}: ${e.message}`;
  return { exception, error, printed: e.ownWords === true ? exception : error };
}

/** Syntax Python refuses: the file as far as it was read (Alembic stops at it), else undefined. */
export function syntaxProblems(
  read: ReadResult,
  python: DeclaredPython | null | undefined,
  problems: FileProblem[],
  withRead: ScriptFile,
): ScriptFile | undefined {
  // an error only newer Pythons have (`lazy import` in a function): an older declared Python fails
  // earlier, at the newer syntax itself, which needs-newer-python reports with its message
  const onlyNewer = read.syntaxError?.since !== undefined;
  const newer = read.newer
    ? newerSyntaxProblem(read.newer, python, onlyNewer ? undefined : read.syntaxError?.line)
    : undefined;
  if (newer) problems.push(newer);
  if (read.syntaxError && !(onlyNewer && newer?.blocking === true)) {
    const { exception, error, printed } = syntaxErrorText(read.syntaxError);
    problems.push({
      code: 'unparseable-file',
      error,
      at: 'syntax',
      line: read.syntaxError.line,
      failure: { exception, message: printed, commandError: false },
    });
    const declared = read.fields.revision?.value;
    const marked =
      read.syntaxError.conflictMarkerLine === undefined
        ? withRead
        : { ...withRead, conflictMarkerLine: read.syntaxError.conflictMarkerLine };
    if (declared?.t !== 'str') return marked;
    const down = read.fields.down_revision?.value;
    const items =
      down?.t === 'str'
        ? [down]
        : down?.t === 'tuple' || down?.t === 'list'
          ? down.items
          : down?.t === 'none'
            ? []
            : undefined;
    const parents = items?.every((i): i is Extract<PyValue, { t: 'str' }> => i.t === 'str')
      ? items.map((i) => i.v)
      : undefined;
    return {
      ...marked,
      unparsedRevision: declared.v,
      ...(parents ? { unparsedDownRevisions: parents } : {}),
    };
  }
  return undefined;
}

/** Imports that fail where Alembic runs, in the file's order. */
export function importProblems(read: ReadResult, importable: ImportCheck, problems: FileProblem[]): void {
  for (const imp of read.imports) {
    if (imp.level > 0) {
      const message = 'ImportError: attempted relative import with no known parent package';
      problems.push({
        code: 'unresolved-import',
        module: imp.module,
        level: imp.level,
        line: imp.line,
        failure: { exception: 'ImportError', message, commandError: false },
      });
      continue;
    }
    const found = importable(imp.module);
    if (found === true) continue;
    const { elsewhere } = found;
    problems.push({
      code: 'unresolved-import',
      module: imp.module,
      level: 0,
      line: imp.line,
      ...(elsewhere ? { elsewhere } : { undeclared: imp.module }),
    });
  }
}

/** A name read before anything binds it: Python's NameError, in the file's order among the failing imports. */
export function unboundProblem(
  read: ReadResult,
  python: DeclaredPython | null | undefined,
  problems: FileProblem[],
): void {
  // an annotation's name fails first where the declared Python evaluates annotations (3.14 defers them)
  const inAnnotation =
    read.unboundAnnotation !== undefined && python !== null && python !== undefined && python.minor < 14;
  const unbound = inAnnotation ? read.unboundAnnotation : read.unboundName;
  if (unbound) {
    const { name, line } = unbound;
    const problem: FileProblem = {
      code: 'name-not-defined',
      name,
      line,
      ...(inAnnotation ? { annotation: { python: python!.text, source: python!.source } } : {}),
      failure: {
        exception: 'NameError',
        message: `NameError: name '${name}' is not defined`,
        commandError: false,
      },
    };
    // Python stops at whichever comes first in the file: this, or a relative import that fails
    const later = problems.findIndex(
      (p) => p.code === 'unresolved-import' && p.failure !== undefined && (p.line ?? 0) > line,
    );
    if (later >= 0) problems.splice(later, 0, problem);
    else problems.push(problem);
  }
}

/** What runs, or is missing, when Alembic imports the module: op calls outside functions, no upgrade(). */
export function loadTimeProblems(read: ReadResult, file: DiscoveredFile, problems: FileProblem[]): void {
  const call = read.proxyCalls[0];
  if (call)
    problems.push({
      code: 'module-level-op-call',
      method: call.method,
      more: read.proxyCalls.length - 1,
      line: call.line,
    });
  if (read.upgradeBound === 'no' && !read.syntaxError) {
    // Alembic imports the module as its file name with every non-word character made '_'
    const module = file.fileName.replace(/[^\p{L}\p{N}_]/gu, '_');
    problems.push({ code: 'no-upgrade-function', module, line: 1 });
  }
}

/** The file's first syntax that the project's Python may not accept, as a problem (blocking when a declared Python rejects it). */
export function newerSyntaxProblem(
  uses: readonly NewerSyntax[],
  python: DeclaredPython | null | undefined,
  errorLine: number | undefined,
): FileProblemOf<'needs-newer-python'> | undefined {
  const issue = newerSyntaxIssue(uses, python, errorLine);
  if (!issue) return undefined;
  const { use } = issue;
  const at = { code: 'needs-newer-python' as const, line: use.line, feature: use.feature, since: use.since };
  if (!python) return { ...at, blocking: false };
  const syntaxError = issue.message === undefined ? undefined : `SyntaxError: ${issue.message}`;
  return {
    ...at,
    blocking: true,
    python: { text: python.text, source: python.source, minor: python.minor },
    ...(syntaxError
      ? { syntaxError, failure: { exception: 'SyntaxError', message: syntaxError, commandError: false } }
      : {}),
  };
}
