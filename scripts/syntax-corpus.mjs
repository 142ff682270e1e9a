#!/usr/bin/env node
// Reads every .py file under the given folders with our static reader (both modes: bodies skipped and read)
// and asks CPython's compile() about the files where the verdict matters, to find where the two differ:
//   a false positive: we report a syntax error in a file CPython compiles (a good deploy blocked);
//   another line: both fail, at different lines (reported, not a failure);
//   with --all, a miss: CPython fails a file we read as valid (compiles every file: slower).
// A file whose syntax is newer than the Python running here (PEP 695, 701, …) is not judged, as in check.
// Usage: npm run build && node scripts/syntax-corpus.mjs [--all] [--python /usr/bin/python3] DIR…
// Exit 1 on a false positive or a miss.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { tokenize } from '../dist/python/python-tokenizer.js';
import { readPythonText } from '../dist/alembic/reading/source-reader.js';
import { diskFiles } from '../dist/project/project-files.js';

const args = process.argv.slice(2);
const all = args.includes('--all');
const pyAt = args.indexOf('--python');
const python = pyAt >= 0 ? args[pyAt + 1] : '/usr/bin/python3';
const roots = args.filter((a, i) => a !== '--all' && (pyAt < 0 || (i !== pyAt && i !== pyAt + 1)));
if (roots.length === 0) {
  console.error('usage: node scripts/syntax-corpus.mjs [--all] [--python PYTHON] DIR…');
  process.exit(2);
}

const files = [];
const walk = (dir) => {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    else if (e.isFile() && e.name.endsWith('.py')) files.push(p);
  }
};
for (const r of roots) walk(r);

const asked = [];
let read = 0;
for (const file of files) {
  if (statSync(file).size > 3e6) continue;
  const text = readPythonText(diskFiles(), file);
  if (text === undefined) continue;
  read++;
  let ours = null;
  let newer = false;
  for (const skipBodies of [true, false]) {
    const r = tokenize(text, { skipBodies });
    if (r.error) {
      ours = { msg: r.error.message, line: r.error.line };
      break;
    }
    newer ||= (r.newer?.length ?? 0) > 0;
  }
  if (ours !== null || (all && !newer)) asked.push({ file, ours });
}

const script = `import json, sys, warnings
warnings.simplefilter('ignore')
out = []
for f in json.load(sys.stdin):
    try:
        compile(open(f, 'rb').read(), f, 'exec'); out.append(None)
    except SyntaxError as e:
        out.append({'msg': e.msg, 'line': e.lineno})
    except Exception as e:
        out.append({'msg': type(e).__name__, 'line': 0})
print(json.dumps(out))`;
const truth = JSON.parse(
  execFileSync(python, ['-c', script], {
    input: JSON.stringify(asked.map((a) => a.file)),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }),
);

const count = { 'false positive': 0, 'other line': 0, miss: 0 };
asked.forEach(({ file, ours }, i) => {
  const real = truth[i];
  const kind =
    ours === null
      ? real === null
        ? null
        : 'miss'
      : real === null
        ? 'false positive'
        : real.line !== ours.line
          ? 'other line'
          : null;
  if (kind === null) return;
  count[kind]++;
  console.log(`${kind}: ${file}\n  ours ${JSON.stringify(ours)}\n  real ${JSON.stringify(real)}`);
});
const flagged = asked.filter((a) => a.ours !== null).length;
console.log(
  `${read} files read, ${flagged} with a syntax error: ${count['false positive']} false positives, ${count['other line']} at another line${all ? `, ${count.miss} misses` : ''}`,
);
// a neighbouring line is no failure: the words and line are the interpreter's where it runs
process.exitCode = count['false positive'] + count.miss > 0 ? 1 : 0;
