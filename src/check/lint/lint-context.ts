import path from 'node:path';
import { envPyPath } from '../../alembic/alembic-config.js';
import { autocommitIsolation } from '../../alembic/env-py.js';
import { revisionText, type ProjectModel } from '../../alembic/project-model.js';
import type { Rev } from '../../alembic/revision-map.js';
import { readEnvPyText, readPythonText } from '../../alembic/source-reader.js';
import type { Finding, FindingCode, Severity } from '../finding.js';
import { lintBaseline, type LintBaseline, type LintScope } from './lint-baseline.js';
import type { LintConfig } from './lint-config.js';
import { PySource, type PyNode, type PythonParser } from './python-syntax.js';
import { tokenTests, type TokenTests } from './text-tests.js';


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

  constructor(
    readonly model: ProjectModel,
    readonly config: LintConfig,
    private readonly parser: PythonParser,
    /** What to leave out: `lint-since` (the setting, or --lint-since which replaces it) and --lint-changed-since. */
    scope: LintScope = { since: config.lintSince },
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
   * Files whose text mentions one of `words` (case-sensitive), parsed. The
   * words are a superset filter: a rule must only ever need to look at a file
   * that contains them.
   */
  parsedFiles(...words: TextTest[]): { file: LintFile; py: PySource }[] {
    return this.parsedOf(this.files(), words);
  }

  /** `parsedFiles` over a subset of `files()` (a rule that knows where its history starts). */
  parsedAmong(files: readonly LintFile[], ...words: TextTest[]): { file: LintFile; py: PySource }[] {
    return this.parsedOf(files, words);
  }

  /**
   * `parsedFiles` without the files at or below the lint baseline: for rules
   * that look at one file at a time, so history is not even parsed. Rules
   * that model the whole history (the table model) use `parsedFiles`.
   */
  newParsedFiles(...words: TextTest[]): { file: LintFile; py: PySource }[] {
    const old = this.baseline?.paths;
    return this.parsedOf(old ? this.files().filter((f) => !old.has(f.path)) : this.files(), words);
  }

  private parsedOf(files: readonly LintFile[], words: readonly TextTest[]): { file: LintFile; py: PySource }[] {
    const out: { file: LintFile; py: PySource }[] = [];
    for (const file of files) {
      if (words.length > 0 && !words.some((w) => (typeof w === 'string' ? file.text.includes(w) : typeof w === 'function' ? w(file.text) : w.test(file.text)))) continue;
      const py = this.parse(file.path, file.text);
      if (py) out.push({ file, py });
    }
    return out;
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
      return value === undefined || line === undefined ? undefined : { value, line, path: path.relative(this.cwd, ini) || ini };
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
  return { ...projectFinding(code, severity, file.path, py.lineOf(node.from), message, hint), revision: file.rev.id };
}


/** A finding about a project file that is not a revision (env.py, alembic.ini, Procfile, application code). */
export function projectFinding(code: FindingCode, severity: Severity, relPath: string, line: number | undefined, message: string, hint: string): Finding {
  return { code, severity, message: `${relPath}${line ? `:${line}` : ''}: ${message}`, hint, path: relPath, line };
}
