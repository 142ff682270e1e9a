import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parser } from '../../src/python/grammar/parser.js';
import { PYTHON_312, VALID } from '../fixtures/python-cases.js';
import { PYTHON, REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

// The grammar the lints read Python with (src/python/grammar/): the committed parser is the one its
// grammar generates, and it reads what CPython compiles without an error node.

const GRAMMAR = path.join(REPO, 'src/python/grammar');

/** Where the grammar reads an error in `src`, as "line: text⟨here⟩rest", or null. */
function firstError(src: string): string | null {
  let at = -1;
  parser.parse(src).iterate({
    enter(n) {
      if (at >= 0) return false;
      if (n.type.isError) at = n.from;
      return at < 0;
    },
  });
  if (at < 0) return null;
  const start = src.lastIndexOf('\n', at - 1) + 1;
  const end = src.indexOf('\n', at);
  const line = src.slice(0, at).split('\n').length;
  return `${line}: ${src.slice(start, at)}⟨here⟩${src.slice(at, end < 0 ? undefined : end)}`;
}

describe('the Python grammar', () => {
  it('is the parser its grammar generates (npm run build:grammar after an edit)', () => {
    const out = tempDir('preflight-grammar-');
    execFileSync(
      path.join(REPO, 'node_modules/.bin/lezer-generator'),
      ['--typeScript', path.join(GRAMMAR, 'python.grammar'), '-o', path.join(out, 'parser.ts')],
      { stdio: 'pipe' },
    );
    for (const f of ['parser.ts', 'parser.terms.ts'])
      expect(readFileSync(path.join(GRAMMAR, f), 'utf8'), f).toBe(readFileSync(path.join(out, f), 'utf8'));
  });

  it('reads the valid cases, newer syntax included, without an error node', () => {
    expect([...VALID, ...PYTHON_312].filter((src) => firstError(src) !== null)).toEqual([]);
    // the control: what CPython refuses for its grammar is an error node here
    expect(firstError('x = = 1\n')).toBe('1: x = ⟨here⟩= 1');
    expect(firstError('def f(:\n    pass\n')).not.toBeNull();
  });

  it('reads every file of the machine’s Python code that CPython compiles without an error node', () => {
    const roots = ['/usr/lib/python3.11', '/usr/lib/python3/dist-packages'].filter((d) => existsSync(d));
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
        else if (e.isFile() && e.name.endsWith('.py') && statSync(p).size < 3e6) files.push(p);
      }
    };
    roots.forEach(walk);
    expect(files.length).toBeGreaterThan(1000);
    const flagged = files.flatMap((f) => {
      const error = firstError(readFileSync(f, 'utf8'));
      return error === null ? [] : [{ f, error }];
    });
    // an error node in a file CPython also refuses (its bytes, as import reads them) is no false positive
    const compiles = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          'import json, sys\nout = []\nfor f in json.load(sys.stdin):\n    try:\n        compile(open(f, "rb").read(), f, "exec"); out.append(True)\n    except Exception:\n        out.append(False)\nprint(json.dumps(out))',
        ],
        { input: JSON.stringify(flagged.map(({ f }) => f)), encoding: 'utf8' },
      ),
    ) as boolean[];
    expect(flagged.filter((_, i) => compiles[i]).map(({ f, error }) => `${f}:${error}`)).toEqual([]);
  }, 120_000);
});
