import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRevisionSource } from '../../src/alembic/reading/revision-reader.js';
import { corpusSources } from '../helpers/corpus.js';
import { ORACLE_PYTHON, REPO } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';

// Module-level names against CPython running the files: realistic revision files with one edit of the
// kind a typo makes (a letter added or lost, a dot moved), executed as Alembic imports them. A file
// that runs must never be reported (that would block a good release); a NameError Python raises at
// module level should be found.

interface Outcome {
  readonly exc: string;
  readonly name: string | null;
  readonly line: number | null;
  readonly depth: number;
}

function revisionFiles(): string[] {
  // env.py runs only inside Alembic (context.config is a proxy there): revision files only
  return corpusSources().filter((t) => !t.includes('import context'));
}

const EDITS = ['a', '_', 'x', '1', ' ', '.', '(', ')'];

describe('module-level names against CPython, fuzzed', () => {
  it('every report is a file Python fails to import at or before that line, and most NameErrors are found (6,000 edited migrations)', () => {
    const texts = revisionFiles();
    expect(texts.length).toBeGreaterThan(100);
    const next = rng(20261125);
    const cases = Array.from({ length: 6000 }, () => {
      const t = texts[Math.floor(next() * texts.length)]!;
      const at = Math.floor(next() * t.length);
      return next() < 0.6
        ? t.slice(0, at) + EDITS[Math.floor(next() * EDITS.length)]! + t.slice(at)
        : t.slice(0, at) + t.slice(at + 1);
    });
    const python = JSON.parse(
      execFileSync(ORACLE_PYTHON, [path.join(REPO, 'test/oracle/module_exec.py')], {
        input: JSON.stringify(cases),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      }),
    ) as (Outcome | null)[];
    let found = 0;
    let raised = 0;
    const wrong: string[] = [];
    cases.forEach((src, i) => {
      const read = readRevisionSource(src);
      const py = python[i] ?? null;
      // this Python (3.11 or so) evaluates annotations, as a declared Python before 3.14 does
      const ours = read.unboundAnnotation ?? read.unboundName;
      const moduleNameError = py?.exc === 'NameError' && py.depth === 1 ? py : undefined;
      if (moduleNameError && !read.syntaxError) raised++;
      if (!ours) return;
      const sameError = moduleNameError?.name === ours.name && moduleNameError.line === ours.line;
      // an earlier failure (an import the edit broke) stops Python first: the file still fails
      const earlier = py !== null && py.exc !== 'SyntaxError' && py.line !== null && py.line < ours.line;
      if (sameError) found++;
      else if (!earlier)
        wrong.push(
          `${JSON.stringify(ours)} but Python: ${JSON.stringify(py)}\n${src.split('\n')[ours.line - 1]}`,
        );
    });
    expect(wrong).toEqual([]);
    expect(raised).toBeGreaterThan(100);
    // every module-level NameError this corpus produces is of a kind the pass reads
    expect(found / raised).toBeGreaterThan(0.95);
  });
});
