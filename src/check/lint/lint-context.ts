import path from 'node:path';
import { envPyPath } from '../../alembic/config/alembic-config.js';
import { autocommitIsolation } from '../../alembic/env/env-setup-facts.js';
import { revisionText, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { Rev } from '../../alembic/graph/revision-map.js';
import { readEnvPyText, readPythonText } from '../../alembic/reading/source-reader.js';
import type { Finding, FindingCode, Severity } from '../finding.js';
import { lintBaseline, type LintBaseline, type LintScope } from './lint-baseline.js';
import type { LintConfig } from './lint-config.js';
import type { ResultCache } from '../../project/result-cache.js';
import { PySource, type PyNode, type PythonParser } from './python-syntax.js';
import { tokenTests, type TokenTests } from './text-tests.js';

/** The result cache's kind for what the lints found in a file. */
export const LINT_KIND = 'lint';

/**
 * What the result cache keeps of one file for the lints. Facts (`x`) depend on the bytes only;
 * findings (`f`) also on the file's path and revision, which they name, and on each rule's context.
 */
interface LintEntry {
  p: string;
  r: string;
  /** Per rule code: the context the findings were made in, and the findings. */
  f: Record<string, { c: string; v: Finding[] }>;
  /** Per kind of fact (the table model's, the renames'): what a replay needs from this file. */
  x: Record<string, unknown>;
}

/**
 * A cheap test of a file's text that selects the files a rule parses: a word it
 * must contain, a pattern, or a predicate. Always a superset of what the rule
 * can report on: parsing is most of what the lints cost.
 */
export type TextTest = string | RegExp | ((text: string) => boolean);

/** One revision file as the lints see it. */
export interface LintFile {
  readonly rev: Rev;
  readonly path: string;
  readonly text: string;
}

/**
 * What the lints share: the revision files' text (read once), their parse
 * trees (built only for files a rule's cheap text test selects), env.py, and
 * the upgrade order. A file our static reader could not load is left to the
 * graph rules, which already report it.
 */
export class LintContext {
  private texts?: LintFile[];
  private readonly trees = new Map<string, PySource | null>();
  private order?: Rev[];
  private autocommit: number | undefined | null = null;
  private readonly tokenTested = new Map<string, TokenTests>();
  /** `lint-since`: revision files whose findings are not reported (undefined: every file is linted). */
  readonly baseline?: LintBaseline;

  private readonly entries = new Map<LintFile, LintEntry | null>();

  constructor(
    readonly model: ProjectModel,
    readonly config: LintConfig,
    private readonly parser: PythonParser,
    /** What to leave out: `lint-since` (the setting, or --lint-since which replaces it) and --lint-changed-since. */
    scope: LintScope = { since: config.lintSince },
    /** Where each file's findings and facts are kept between runs (by the digests the model kept). */
    private readonly cache?: ResultCache,
  ) {
    if (scope.since || scope.changedSince) this.baseline = lintBaseline(model.config.files, model.map, scope);
  }

  get cwd(): string {
    return this.model.config.cwd;
  }

  /** Revision files in upgrade order, with their text. */
  files(): readonly LintFile[] {
    if (!this.texts) {
      this.texts = [];
      for (const rev of this.upgradeOrder()) {
        const text = revisionText(this.model, rev.file.absPath);
        if (text !== undefined) this.texts.push({ rev, path: rev.file.path, text });
      }
    }
    return this.texts;
  }

  /**
   * What a rule that looks at one file at a time finds in each file its text tests select, leaving
   * out the files at or below the lint baseline (history is not even parsed): from the result cache when the file's bytes, path and revision and the rule's `context` (what else its
   * findings depend on: a setting, the project's dialect) were seen before; else parsed and found.
   */
  newFileFindings(
    code: string,
    context: () => string,
    tests: readonly TextTest[],
    find: (file: LintFile, py: PySource) => Finding[],
  ): Finding[] {
    const old = this.baseline?.paths;
    const out: Finding[] = [];
    let ctx: string | undefined;
    for (const file of this.files()) {
      if ((old && old.has(file.path)) || !passes(file.text, tests)) continue;
      const entry = this.entry(file);
      ctx ??= context();
      const kept = entry?.f[code];
      if (kept && kept.c === ctx) {
        for (const f of kept.v) out.push({ ...f });
        continue;
      }
      const py = this.parse(file.path, file.text);
      // a file lezer cannot parse has no findings here (the graph rules report what Alembic makes of it)
      const found = py ? find(file, py) : [];
      out.push(...found);
      if (entry)
        this.store(file, entry, () => (entry.f[code] = { c: ctx!, v: found.map((f) => ({ ...f })) }));
    }
    return out;
  }

  /**
   * A fact of `kind` about each of `files` its text tests select, in order: from the result cache
   * when these bytes were seen, else parsed and extracted. Files that do not parse are left out.
   */
  factsOf<T>(
    kind: string,
    files: readonly LintFile[],
    tests: readonly TextTest[],
    extract: (file: LintFile, py: PySource) => T,
  ): { file: LintFile; facts: T }[] {
    const out: { file: LintFile; facts: T }[] = [];
    for (const file of files) {
      if (!passes(file.text, tests)) continue;
      const entry = this.entry(file);
      if (entry && Object.hasOwn(entry.x, kind)) {
        const kept = entry.x[kind] as T | null;
        if (kept !== null) out.push({ file, facts: kept });
        continue;
      }
      const py = this.parse(file.path, file.text);
      const facts = py ? extract(file, py) : undefined;
      if (entry) this.store(file, entry, () => (entry.x[kind] = facts ?? null));
      if (facts !== undefined) out.push({ file, facts });
    }
    return out;
  }

  /** The file's cache entry (a fresh one when none is kept); null without a cache or a digest. */
  private entry(file: LintFile): LintEntry | null {
    let entry = this.entries.get(file);
    if (entry !== undefined) return entry;
    const digest = this.cache && this.model.digests?.get(file.rev.file.absPath);
    entry = null;
    if (digest !== undefined && this.cache) {
      const kept = this.cache.get(digest, LINT_KIND) as LintEntry | undefined;
      // findings name the file and its revision: kept only for the same ones; facts hold for the bytes alone
      entry =
        kept && kept.p === file.path && kept.r === file.rev.id
          ? kept
          : { p: file.path, r: file.rev.id, f: {}, x: kept?.x ?? {} };
    }
    this.entries.set(file, entry);
    return entry;
  }

  private store(file: LintFile, entry: LintEntry, change: () => void): void {
    change();
    this.cache!.set(this.model.digests!.get(file.rev.file.absPath)!, entry, LINT_KIND);
  }

  parse(key: string, text: string): PySource | undefined {
    let py = this.trees.get(key);
    if (py === undefined) {
      const parsed = new PySource(text, this.parser);
      py = parsed.hasErrors ? null : parsed;
      this.trees.set(key, py);
    }
    return py ?? undefined;
  }

  /** The tokenizer's text tests of a file's text, from one tokenization for all of them. */
  tokenTests(text: string): TokenTests {
    let found = this.tokenTested.get(text);
    if (!found) this.tokenTested.set(text, (found = tokenTests(text)));
    return found;
  }

  /**
   * An option of the configured alembic.ini section as Alembic's config reads
   * it (DEFAULT section, continuation lines, %(here)s); undefined when absent
   * or when the file does not parse (the configuration rules report that).
   */
  iniOption(key: string): { value: string; line: number; path: string } | undefined {
    const { ini: parsed, iniPath: ini, section } = this.model.config;
    if (!parsed || !ini) return undefined;
    try {
      const value = parsed.get(section, key);
      const line = parsed.optionLine(section, key);
      return value === undefined || line === undefined
        ? undefined
        : { value, line, path: path.relative(this.cwd, ini) || ini };
    } catch {
      return undefined;
    }
  }

  /** env.py of the script location, parsed; undefined when absent or not Python we can read. */
  envPy(): { path: string; py: PySource } | undefined {
    const abs = envPyPath(this.model.config);
    const text = abs === undefined ? undefined : readPythonText(this.model.config.files, abs);
    if (abs === undefined || text === undefined) return undefined;
    const rel = path.relative(this.cwd, abs) || abs;
    const py = this.parse(rel, text);
    return py ? { path: rel, py } : undefined;
  }

  /** Where env.py runs every statement in autocommit (autocommitIsolation); computed once. */
  envAutocommit(): number | undefined {
    if (this.autocommit === null) {
      const text = readEnvPyText(this.model.config);
      this.autocommit = text === undefined ? undefined : autocommitIsolation(text);
    }
    return this.autocommit;
  }

  /** Revisions, parents before children (Kahn's order over down revisions; ties in map order). */
  upgradeOrder(): Rev[] {
    if (this.order) return this.order;
    const revs = this.model.map.revisions;
    const indeg = new Map<Rev, number>();
    const byKey = this.model.map.byKey;
    for (const r of revs) indeg.set(r, r.versionedDown.filter((d) => byKey.get(d)?.key === d).length);
    const ready = revs.filter((r) => indeg.get(r) === 0).reverse();
    const out: Rev[] = [];
    while (ready.length > 0) {
      const r = ready.pop()!;
      out.push(r);
      for (const k of r.nextrev) {
        const child = byKey.get(k);
        if (!child || !indeg.has(child)) continue;
        const n = indeg.get(child)! - 1;
        indeg.set(child, n);
        if (n === 0) ready.push(child);
      }
    }
    // cycle members never become ready; the graph rules report them, the lints still look at them
    if (out.length < revs.length) {
      const placed = new Set(out);
      for (const r of revs) if (!placed.has(r)) out.push(r);
    }
    this.order = out;
    return out;
  }
}

/** Whether a file's text passes one of the tests (every file, with none). */
function passes(text: string, tests: readonly TextTest[]): boolean {
  return (
    tests.length === 0 ||
    tests.some((w) =>
      typeof w === 'string' ? text.includes(w) : typeof w === 'function' ? w(text) : w.test(text),
    )
  );
}

/** A finding of a lint rule at a node of a revision file. */
export function lintFinding(
  code: FindingCode,
  severity: Severity,
  file: LintFile,
  py: PySource,
  node: PyNode,
  message: string,
  hint: string,
): Finding {
  return lintFindingAt(code, severity, file, py.lineOf(node.from), message, hint);
}

/** A finding of a lint rule at a line of a revision file. */
export function lintFindingAt(
  code: FindingCode,
  severity: Severity,
  file: LintFile,
  line: number,
  message: string,
  hint: string,
): Finding {
  return { ...projectFinding(code, severity, file.path, line, message, hint), revision: file.rev.id };
}

/** A finding about a project file that is not a revision (env.py, alembic.ini, Procfile, application code). */
export function projectFinding(
  code: FindingCode,
  severity: Severity,
  relPath: string,
  line: number | undefined,
  message: string,
  hint: string,
): Finding {
  return {
    code,
    severity,
    message: `${relPath}${line ? `:${line}` : ''}: ${message}`,
    hint,
    path: relPath,
    line,
  };
}
