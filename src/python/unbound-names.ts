import { Tok, topLevelIndexes, type Token } from './python-tokenizer.js';

/**
 * Every name a module can read without binding it: the builtins of CPython 3.8 to 3.14 (a union, so no
 * version's own builtin is ever reported), what `site` adds, and what the loader sets on the module.
 */
const BUILTINS = new Set(
  `ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError
  BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError
  DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup False FileExistsError
  FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError
  IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError
  NameError None NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning
  PermissionError ProcessLookupError PythonFinalizationError RecursionError ReferenceError ResourceWarning RuntimeError
  RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError
  True TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning
  UserWarning ValueError Warning WindowsError ZeroDivisionError _IncompleteInputError __build_class__ __debug__ __doc__
  __import__ __loader__ __name__ __package__ __spec__ __file__ __cached__ __builtins__ __annotations__ abs aiter all anext
  any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir
  divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int
  isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print property
  quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip`.split(
    /\s+/u,
  ),
);

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/** Words after which part of the statement may never be evaluated (short circuits, lambdas, comprehensions). */
const MAYBE_EVALUATED = new Set(['and', 'or', 'if', 'else', 'lambda', 'for', 'async', 'await', 'yield']);
const COMPARISON = new Set(['<', '>', '==', '!=', '<=', '>=', '<>', 'in', 'is']);
/** Statements whose expressions are not all evaluated when they run, or that load no name we should judge. */
const SKIPPED = new Set([
  'import',
  'from',
  'del',
  'global',
  'nonlocal',
  'pass',
  'assert',
  'break',
  'continue',
  'return',
]);

/**
 * Code that binds module names where a reader cannot see it (a function's `global`, `globals()`,
 * `exec`, the builtins module…): where the source mentions any, the pass says nothing at all.
 */
export const BINDS_UNSEEN =
  /\b(?:global|globals|locals|vars|exec|eval|setattr|builtins|__builtins__|__dict__)\b|\.modules\b/u;

/** Unbound names a module-level line reads: `certain` fails on every Python; `annotation` only where annotations are evaluated (before 3.14, without `from __future__ import annotations`). */
export interface UnboundRead {
  readonly certain?: Token;
  readonly annotation?: Token;
}

type Bound = (name: string) => boolean;

/** Every part of toks[s, e) is evaluated when it runs: no short circuit, conditional expression, lambda, comprehension or chained comparison. */
function evaluatedWhole(toks: readonly Token[], s: number, e: number): boolean {
  let comparisons = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Name && MAYBE_EVALUATED.has(t.text)) return false;
    if (t.text === ':=') return false;
    if (COMPARISON.has(t.text) && ++comparisons > 1) return false;
  }
  return true;
}

function load(toks: readonly Token[], s: number, e: number, bound: Bound, target = false): Token | undefined {
  return e > s && evaluatedWhole(toks, s, e) ? firstLoad(toks, s, e, bound, target) : undefined;
}

/**
 * The first name a straight-line module-level statement certainly reads before anything can have bound
 * it: Python raises NameError there when it imports the file. Only expressions that are evaluated
 * whole are judged, so a report is never a guess.
 */
export function statementUnbound(toks: readonly Token[], s: number, e: number, bound: Bound): UnboundRead {
  const head = toks[s]!;
  if (head.type === Tok.Name && SKIPPED.has(head.text)) return {};
  // `type X = …` (3.12) evaluates its value lazily
  if (head.type === Tok.Name && head.text === 'type' && toks[s + 1]?.type === Tok.Name) return {};
  const colons = topLevelIndexes(toks as Token[], s, e, ':');
  if (colons.length > 0) {
    // target: annotation [= value]: the value, then the target, then (where evaluated) the annotation
    const c = colons[0]!;
    const eq = topLevelIndexes(toks as Token[], c, e, '=')[0];
    const certain =
      (eq === undefined ? undefined : load(toks, eq + 1, e, bound)) ??
      (c - s === 1 && toks[s]!.type === Tok.Name ? undefined : load(toks, s, c, bound, true));
    return certain ? { certain } : { annotation: load(toks, c + 1, eq ?? e, bound) };
  }
  const eqs = topLevelIndexes(toks as Token[], s, e, '=');
  if (eqs.length === 0) return { certain: load(toks, s, e, bound) };
  // Python evaluates the value first, then each target from the left
  const value = load(toks, eqs[eqs.length - 1]! + 1, e, bound);
  if (value) return { certain: value };
  let from = s;
  for (const eq of eqs) {
    const t = load(toks, from, eq, bound, true);
    if (t) return { certain: t };
    from = eq + 1;
  }
  return {};
}

/** A decorator line (`@expr`): its expression runs before the function or class it decorates is made. */
export function decoratorUnbound(toks: readonly Token[], bound: Bound): UnboundRead {
  return { certain: load(toks, 1, toks.length, bound) };
}

/** `class Name(bases, keywords):` evaluates what the parentheses hold. */
export function classUnbound(toks: readonly Token[], colon: number, bound: Bound): UnboundRead {
  return toks[2]?.text === '(' ? { certain: load(toks, 2, colon, bound) } : {};
}

/**
 * A compound statement's header at the module's top level evaluates its expression first: a `with`'s
 * first context manager (`with (a as b, c as d):` reads `a`), a `for`'s iterable, an `if`'s or a
 * `while`'s condition.
 */
export function headerUnbound(toks: readonly Token[], colon: number, bound: Bound): UnboundRead {
  const word = toks[0]!.text;
  if (word === 'if' || word === 'while') return { certain: load(toks, 1, colon, bound) };
  if (word === 'for') {
    const inAt = topLevelWord(toks, 1, colon, 'in');
    return inAt < 0 ? {} : { certain: load(toks, inAt + 1, colon, bound) };
  }
  if (word !== 'with') return {};
  // `with (a as b, c as d):` is 3.9's parenthesised items; `with (a, b) as c:` one item
  const open = toks[1]?.text === '(' ? 2 : 1;
  const close = open === 2 ? matchingClose(toks, 1) : -1;
  const parenthesised = open === 2 && close === colon - 1;
  const s = parenthesised ? 2 : 1;
  const e = parenthesised ? close : colon;
  const comma = topLevelIndexes(toks as Token[], s, e, ',')[0] ?? e;
  const as = topLevelWord(toks, s, comma, 'as');
  return { certain: load(toks, s, as < 0 ? comma : as, bound) };
}

/** The first keyword `word` in toks[s, e) outside brackets, or -1. */
function topLevelWord(toks: readonly Token[], s: number, e: number, word: string): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Op && (t.text === '(' || t.text === '[' || t.text === '{')) depth++;
    else if (t.type === Tok.Op && (t.text === ')' || t.text === ']' || t.text === '}')) depth--;
    else if (depth === 0 && t.type === Tok.Name && t.text === word) return i;
  }
  return -1;
}

function matchingClose(toks: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    const t = toks[i]!.text;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if ((t === ')' || t === ']' || t === '}') && --depth === 0) return i;
  }
  return -1;
}

/** `def name(params) -> ann:` evaluates the defaults, then (where evaluated) the annotations. */
export function defUnbound(toks: readonly Token[], colon: number, bound: Bound): UnboundRead {
  const open = toks.findIndex((t) => t.text === '(');
  if (open < 0) return {};
  let close = -1;
  let depth = 0;
  for (let i = open; i < colon; i++) {
    const t = toks[i]!.text;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if ((t === ')' || t === ']' || t === '}') && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return {};
  const params = paramRanges(toks, open + 1, close);
  for (const p of params) {
    if (p.dflt) {
      const t = load(toks, p.dflt[0], p.dflt[1], bound);
      if (t) return { certain: t };
    }
  }
  for (const p of params) {
    if (p.ann) {
      const t = load(toks, p.ann[0], p.ann[1], bound);
      if (t) return { annotation: t };
    }
  }
  const arrow = toks.findIndex((t, i) => i > close && t.text === '->');
  return arrow > 0 && arrow < colon ? { annotation: load(toks, arrow + 1, colon, bound) } : {};
}

function paramRanges(
  toks: readonly Token[],
  s: number,
  e: number,
): { ann?: [number, number]; dflt?: [number, number] }[] {
  const out: { ann?: [number, number]; dflt?: [number, number] }[] = [];
  let depth = 0;
  let start = s;
  const finish = (end: number): void => {
    let colon = -1;
    let eq = -1;
    let d = 0;
    for (let i = start; i < end; i++) {
      const t = toks[i]!.text;
      if (t === '(' || t === '[' || t === '{') d++;
      else if (t === ')' || t === ']' || t === '}') d--;
      else if (d === 0 && t === ':' && colon < 0 && eq < 0) colon = i;
      else if (d === 0 && t === '=' && eq < 0) eq = i;
    }
    out.push({
      ...(colon >= 0 ? { ann: [colon + 1, eq >= 0 ? eq : end] as [number, number] } : {}),
      ...(eq >= 0 ? { dflt: [eq + 1, end] as [number, number] } : {}),
    });
  };
  for (let i = s; i < e; i++) {
    const t = toks[i]!.text;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if (t === ')' || t === ']' || t === '}') depth--;
    else if (t === ',' && depth === 0) {
      finish(i);
      start = i + 1;
    }
  }
  if (e > start) finish(e);
  return out;
}

/**
 * The first unbound name read in toks[s, e). In an assignment target only the bases of attributes and
 * subscripts, and what a subscript's brackets hold, are read; the rest are stored.
 */
function firstLoad(
  toks: readonly Token[],
  s: number,
  e: number,
  bound: (name: string) => boolean,
  target: boolean,
): Token | undefined {
  // per open bracket: whether it subscripts or calls what stands before it (its contents are read)
  const reads: boolean[] = [];
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Op) {
      if (t.text === '(' || t.text === '[' || t.text === '{') {
        const prev = i > 0 ? toks[i - 1]! : undefined;
        reads.push(
          prev !== undefined &&
            ((prev.type === Tok.Name && !KEYWORDS.has(prev.text)) ||
              prev.text === ')' ||
              prev.text === ']' ||
              prev.type === Tok.String),
        );
      } else if (t.text === ')' || t.text === ']' || t.text === '}') reads.pop();
      continue;
    }
    if (t.type !== Tok.Name || KEYWORDS.has(t.text)) continue;
    if (i > s && toks[i - 1]!.text === '.') continue;
    // a keyword argument's name
    if (reads.length > 0 && toks[i + 1]?.text === '=') continue;
    if (target && !reads.includes(true)) {
      const after = toks[i + 1]?.text;
      if (i + 1 >= e || (after !== '.' && after !== '[' && after !== '(')) continue;
    }
    if (!bound(t.text) && !BUILTINS.has(t.text)) return t;
  }
  return undefined;
}
