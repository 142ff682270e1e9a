import type { TokenizeOptions } from '../../python/python-tokenizer.js';
import type { PyValue } from '../../python/python-value.js';
import { readRevisionFast } from './fast-revision-reader.js';
import { readModule } from './module-reader.js';
import type { ReadResult } from './read-result.js';

export {
  REVISION_FIELDS,
  type Docstring,
  type DynamicHint,
  type FieldBinding,
  type ReadResult,
  type RevisionField,
} from './read-result.js';

/**
 * Reads the module-level `revision`, `down_revision`, `branch_labels` and
 * `depends_on` of a migration file without executing it.
 *
 * Python semantics we follow: the last binding that runs wins; bindings inside
 * `if`/`for`/`try`/`with` blocks make the value depend on run time; bindings in
 * functions and classes do not touch module attributes. Anything we cannot
 * evaluate exactly (calls, names we cannot trace, f-strings with fields,
 * operators other than `+` on literals) is returned as an unknown value with
 * the reason, never as a guess.
 */
export function readRevisionSource(source: string, options: TokenizeOptions = SKIP_BODIES): ReadResult {
  // most files are plain enough for the fast path, which proves them free of syntax errors; the rest are read here
  return (
    (options === SKIP_BODIES ? readRevisionFast(source) : undefined) ?? readModule(source, options).result
  );
}

/** readRevisionSource without the fast path: what the fast path is held to. */
export function readRevisionSourceFaithful(source: string): ReadResult {
  return readModule(source, SKIP_BODIES).result;
}

/**
 * Module-level literal constants, for resolving `from module import NAME` in a
 * revision file; null when the module has a syntax error.
 */
export function readModuleConstants(source: string): ReadonlyMap<string, PyValue> | null {
  const { result, bindings } = readModule(source, SKIP_BODIES);
  if (result.syntaxError) return null;
  const constants = new Map<string, PyValue>();
  for (const [k, b] of bindings) if (b.value.t !== 'unknown') constants.set(k, b.value);
  return constants;
}

/** Function and class bodies bind no module attribute; `{ skipBodies: false }` exists so tests can prove that. */
const SKIP_BODIES: TokenizeOptions = { skipBodies: true };
