import { docstringOfText } from './docstring-fields.js';
import { ARROW, FastLexer, KEYWORD, NAME, NEWLINE, NUMBER, OUTSIDE, PLAIN, STRING } from './fast-lexer.js';
import {
  REVISION_FIELDS,
  type Docstring,
  type FieldBinding,
  type ReadResult,
  type RevisionField,
} from './read-result.js';
import { NONE, type PyValue } from '../../python/python-value.js';

/**
 * The fast path of the revision reader: one pass over the characters, no token objects, for the
 * revision files most projects have (a docstring, imports, literal assignments, functions whose
 * bodies are calls, assignments, `with` blocks and `pass`). It proves such a file free of syntax
 * errors with a deliberately small grammar and returns what the faithful reader would; anything
 * outside that grammar (another statement, an operator, a backslash, a tab, a non-ASCII character
 * outside a comment, a name it cannot prove bound) returns undefined, and the faithful reader
 * (python-tokenizer.ts, CPython's messages) reads the file instead. Undefined never means an error.
 * `fast-revision-reader.test.ts` holds it to the faithful reader on the syntax corpus and the fuzzers.
 */
export function readRevisionFast(src: string): ReadResult | undefined {
  try {
    return new FastReader(src).read();
  } catch (e) {
    if (e === OUTSIDE) return undefined;
    throw e;
  }
}

/** What the lints' text tests need of a file the fast path reads (check/lint/text-tests.ts decides from it). */
export interface FastBodyFacts {
  /** Each module-level function (the last definition of a name wins): whether its body is only `pass` and strings, and whether it names globals, eval or getattr. */
  readonly defs: ReadonlyMap<string, { readonly doesNothing: boolean; readonly picks: boolean }>;
  /** Some `op.execute(…)`, `batch.execute(…)` or `batch_op.execute(…)` has more than one argument, a trailing comma or a keyword. */
  readonly executeWithParams: boolean;
}

/** The facts of a file the fast path reads; undefined where it leaves the file to the faithful reader. */
export function bodyFactsFast(src: string): FastBodyFacts | undefined {
  try {
    const reader = new FastReader(src, true);
    reader.read();
    return { defs: reader.defs!, executeWithParams: reader.executeWithParams };
  } catch (e) {
    if (e === OUTSIDE) return undefined;
    throw e;
  }
}

/** Builtins an annotation may read without a binding of its own. */
const BUILTIN_TYPES: ReadonlySet<string> = new Set(['str', 'int', 'bool', 'bytes', 'float']);

class FastReader extends FastLexer {
  private readonly bound = new Map<string, FieldBinding | null>();
  private readonly imports: { module: string; line: number; level: number }[] = [];
  private docstring: Docstring | undefined;
  /** bodyFactsFast's: the module-level functions, and the one whose body is being read. */
  readonly defs: Map<string, { doesNothing: boolean; picks: boolean }> | undefined;
  /** The module-level function whose body is being read (bodyFactsFast): `watch` notes its picker names. */
  private def: { doesNothing: boolean; picks: boolean } | undefined;
  executeWithParams = false;

  constructor(src: string, facts = false) {
    super(src);
    this.defs = facts ? new Map() : undefined;
  }

  read(): ReadResult {
    // a carriage return is a line break to Python, anywhere
    if (this.src.includes('\r')) throw OUTSIDE;
    const indents = [0];
    let expectBlock = false;
    let first = true;
    for (;;) {
      const indent = this.lineStart();
      if (indent < 0) break;
      const top = indents[indents.length - 1]!;
      if (expectBlock) {
        // deeper nesting than migrations have stays clear of CPython's limit on nested blocks
        if (indent <= top || indents.length > 10) throw OUTSIDE;
        indents.push(indent);
        expectBlock = false;
      } else if (indent > top) {
        throw OUTSIDE;
      } else {
        while (indents[indents.length - 1]! > indent) indents.pop();
        if (indents[indents.length - 1] !== indent) throw OUTSIDE;
      }
      // back at module level: the function's body has ended (before its first token is read)
      if (indents.length === 1) this.def = this.watch = undefined;
      this.next();
      expectBlock = indents.length === 1 ? this.moduleStatement(first) : this.bodyStatement();
      first = false;
    }
    if (expectBlock) throw OUTSIDE;
    const fields: Partial<Record<RevisionField, FieldBinding>> = {};
    for (const f of REVISION_FIELDS) {
      const b = this.bound.get(f);
      // bound by an import or a def: the faithful reader says what that is
      if (b === null) throw OUTSIDE;
      if (b) fields[f] = b;
    }
    return {
      fields,
      docstring: this.docstring,
      dynamic: [],
      syntaxError: undefined,
      imports: this.imports,
      proxyCalls: [],
      upgradeBound: this.bound.has('upgrade') ? 'yes' : 'no',
    };
  }

  /** Whether the current NAME is one `.execute(` is called on (only when collecting facts). */
  private executeOwner(): boolean {
    return this.defs !== undefined && (this.is('op') || this.is('batch') || this.is('batch_op'));
  }

  /** A name that is not a keyword, consumed. */
  private plainName(): string {
    if (this.kind !== NAME || this.keywordAt() !== PLAIN) throw OUTSIDE;
    const name = this.text();
    this.next();
    return name;
  }

  /** plainName where the name itself is not needed. */
  private skipPlainName(): void {
    if (this.kind !== NAME || this.keywordAt() !== PLAIN) throw OUTSIDE;
    this.next();
  }

  /** A statement at module level; true when it opens a block (a def). */
  private moduleStatement(first: boolean): boolean {
    const line = this.tokLine;
    if (this.kind === STRING) {
      if (!first) throw OUTSIDE;
      const value = this.stringValue();
      this.next();
      this.expectNewline();
      this.docstring = docstringOfText(value, line);
      return false;
    }
    if (this.kind !== NAME) throw OUTSIDE;
    if (this.is('import')) return this.importNames(line);
    if (this.is('from')) return this.fromImport(line);
    if (this.is('def')) return this.defHeader(true);
    const name = this.plainName();
    if (this.isOp(0x3a)) {
      this.next();
      this.annotation();
    }
    this.expectOp(0x3d);
    const value = this.literal();
    this.expectNewline();
    this.bound.set(name, { value, line });
    return false;
  }

  /** `import a.b [as c], …` */
  private importNames(line: number): boolean {
    this.next();
    for (;;) {
      const top = this.plainName();
      while (this.isOp(0x2e)) {
        this.next();
        this.skipPlainName();
      }
      let local = top;
      if (this.kind === NAME && this.is('as')) {
        this.next();
        local = this.plainName();
      }
      this.imports.push({ module: top, line, level: 0 });
      this.bound.set(local, null);
      if (!this.isOp(0x2c)) break;
      this.next();
    }
    this.expectNewline();
    return false;
  }

  /** `from a.b import x [as y], …` (absolute, unparenthesised, not `*`, not `__future__`). */
  private fromImport(line: number): boolean {
    this.next();
    const top = this.plainName();
    if (top === '__future__') throw OUTSIDE;
    while (this.isOp(0x2e)) {
      this.next();
      this.skipPlainName();
    }
    if (this.kind !== NAME || !this.is('import')) throw OUTSIDE;
    this.next();
    for (;;) {
      let local = this.plainName();
      if (this.kind === NAME && this.is('as')) {
        this.next();
        local = this.plainName();
      }
      this.bound.set(local, null);
      if (!this.isOp(0x2c)) break;
      this.next();
    }
    this.expectNewline();
    this.imports.push({ module: top, line, level: 0 });
    return false;
  }

  /** `def NAME() [-> annotation]:` ending its line; at module level its annotation is read there. */
  private defHeader(module: boolean): boolean {
    this.next();
    const name = this.plainName();
    // a module-level __getattr__ answers any attribute at run time: the faithful reader says so
    if (module && name === '__getattr__') throw OUTSIDE;
    this.expectOp(0x28);
    this.expectOp(0x29);
    if (this.isOp(ARROW)) {
      this.next();
      if (module) this.annotation();
      else this.expression();
    }
    if (!this.isOp(0x3a)) throw OUTSIDE;
    this.next();
    this.expectNewline();
    if (module) this.bound.set(name, null);
    if (this.defs) {
      this.def = { doesNothing: true, picks: false };
      this.watch = this.def;
      this.defs.set(name, this.def);
    }
    return true;
  }

  /** An annotation: None, or a dotted name whose first part is bound, optionally subscripted by annotations. */
  private annotation(): void {
    if (this.kind === NAME && this.is('None')) {
      this.next();
      return;
    }
    const name = this.plainName();
    if (!this.bound.has(name) && !BUILTIN_TYPES.has(name)) throw OUTSIDE;
    while (this.isOp(0x2e)) {
      this.next();
      this.skipPlainName();
    }
    if (!this.isOp(0x5b)) return;
    this.next();
    for (;;) {
      this.annotation();
      if (!this.isOp(0x2c)) break;
      this.next();
      if (this.isOp(0x5d)) break;
    }
    this.expectOp(0x5d);
  }

  /** A literal value at module level: a string, None, or a tuple or list of them. */
  private literal(): PyValue {
    if (this.kind === STRING) {
      const v = this.stringValue();
      this.next();
      if (this.kind === STRING) throw OUTSIDE;
      return { t: 'str', v };
    }
    if (this.kind === NAME && this.is('None')) {
      this.next();
      return NONE;
    }
    if (this.isOp(0x28) || this.isOp(0x5b)) {
      const list = this.op === 0x5b;
      const close = list ? 0x5d : 0x29;
      this.next();
      const items: PyValue[] = [];
      let comma = false;
      while (!this.isOp(close)) {
        items.push(this.literal());
        if (!this.isOp(0x2c)) break;
        comma = true;
        this.next();
      }
      this.expectOp(close);
      // `('a')` is the string: parentheses alone make no tuple
      if (!list && items.length === 1 && !comma) return items[0]!;
      return { t: list ? 'list' : 'tuple', items };
    }
    throw OUTSIDE;
  }

  /** A statement in a function body (or a `with` block in it); true when it opens a block. */
  private bodyStatement(): boolean {
    if (this.kind === NAME) {
      if (this.is('pass')) {
        this.next();
        this.expectNewline();
        return false;
      }
      if (this.def) this.def.doesNothing = false;
      if (this.is('with')) {
        this.next();
        this.expression();
        if (this.kind === NAME && this.is('as')) {
          this.next();
          this.skipPlainName();
        }
        this.expectOp(0x3a);
        this.expectNewline();
        return true;
      }
      if (this.keywordAt() === KEYWORD) throw OUTSIDE;
    }
    const strings = this.kind === STRING;
    this.expression();
    // a statement of strings alone (a docstring) does nothing
    if (this.def && !(strings && this.trailers === 0 && this.kind === NEWLINE)) this.def.doesNothing = false;
    if (this.isOp(0x3d)) {
      // NAME = expression; the target was one plain name
      if (!this.singleName) throw OUTSIDE;
      this.next();
      this.expression();
    }
    this.expectNewline();
    return false;
  }

  /** Whether the expression just read was one name that is not a keyword (an assignment's target). */
  private singleName = false;
  /** How many trailers (attributes, calls, subscripts) the expression just read had. */
  private trailers = 0;

  /** An expression of the fast grammar: `-`NUMBER, or an atom with attribute, call and subscript trailers. */
  private expression(): void {
    this.singleName = false;
    if (this.isOp(0x2d)) {
      this.next();
      if (this.kind !== NUMBER) throw OUTSIDE;
      this.next();
      return;
    }
    let trailers = 0;
    let plain = false;
    // the name just before a `.` is one `.execute(` is called on
    let owner = false;
    if (this.kind === NAME) {
      const k = this.keywordAt();
      if (k === KEYWORD) throw OUTSIDE;
      plain = k === PLAIN;
      owner = this.executeOwner();
      this.next();
    } else if (this.kind === NUMBER) {
      this.next();
    } else if (this.kind === STRING) {
      while (this.kind === STRING) this.next();
    } else if (this.isOp(0x28)) {
      this.next();
      this.items(0x29);
    } else if (this.isOp(0x5b)) {
      this.next();
      this.items(0x5d);
    } else if (this.isOp(0x7b)) {
      this.next();
      this.dictItems();
    } else {
      throw OUTSIDE;
    }
    let execute = false;
    for (;;) {
      if (this.isOp(0x2e)) {
        this.next();
        if (this.kind !== NAME || this.keywordAt() !== PLAIN) throw OUTSIDE;
        execute = owner && this.is('execute');
        owner = this.executeOwner();
        this.next();
        trailers++;
        continue;
      }
      if (this.isOp(0x28)) {
        this.next();
        if (this.callArguments() && execute) this.executeWithParams = true;
      } else if (this.isOp(0x5b)) {
        this.next();
        this.items(0x5d, true);
      } else {
        break;
      }
      owner = false;
      execute = false;
      trailers++;
    }
    this.singleName = plain && trailers === 0;
    this.trailers = trailers;
  }

  /** Comma-separated expressions up to the closing bracket (consumed); a subscript needs at least one. */
  private items(close: number, subscript = false): void {
    if (this.isOp(close)) {
      if (subscript) throw OUTSIDE;
      this.next();
      return;
    }
    for (;;) {
      this.expression();
      if (!this.isOp(0x2c)) break;
      this.next();
      if (this.isOp(close)) break;
    }
    this.expectOp(close);
  }

  /** `key: value, …}`: a dict display (a set display is the faithful reader's). */
  private dictItems(): void {
    while (!this.isOp(0x7d)) {
      this.expression();
      this.expectOp(0x3a);
      this.expression();
      if (!this.isOp(0x2c)) break;
      this.next();
    }
    this.expectOp(0x7d);
  }

  /** A call's arguments up to `)` (consumed): positional ones, then `name=value` ones, each name once; true when it had a comma or a keyword. */
  private callArguments(): boolean {
    let keywords: Set<string> | undefined;
    let comma = false;
    while (!this.isOp(0x29)) {
      if (
        this.kind === NAME &&
        this.src.charCodeAt(this.end) === 0x3d &&
        this.src.charCodeAt(this.end + 1) !== 0x3d
      ) {
        if (this.keywordAt() !== PLAIN) throw OUTSIDE;
        const name = this.text();
        keywords ??= new Set();
        // `f(a=1, a=2)`: CPython's "keyword argument repeated"
        if (keywords.has(name)) throw OUTSIDE;
        keywords.add(name);
        this.next();
        this.expectOp(0x3d);
      } else if (keywords) {
        // a positional argument after a keyword one
        throw OUTSIDE;
      }
      this.expression();
      if (!this.isOp(0x2c)) break;
      comma = true;
      this.next();
    }
    this.expectOp(0x29);
    return comma || keywords !== undefined;
  }
}
