import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readRevisionSource } from '../../src/alembic/reading/revision-reader.js';
import { decodePythonSource } from '../../src/alembic/reading/source-reader.js';
import { runCli } from '../helpers/cli.js';
import { ORACLE_PYTHON, PYTHON } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';
import { rng } from '../helpers/rng.js';

// Bytes that are not UTF-8 in a revision file, against CPython compiling the bytes as importlib
// hands them over (Alembic loads each file with spec.loader.exec_module). Python decodes a string
// literal or a name only when it builds one, so such a byte in a comment is never an error; a tool
// that decodes the whole file first blocks a release Alembic runs.

const V = 'migrations/versions/';

/** What compile() of the bytes raises: the exception's type, message and line; null when it compiles. */
function cpython(
  files: readonly Buffer[],
): ({ exception: string; msg: string; line: number | null } | null)[] {
  const script = [
    'import json, sys, warnings',
    "warnings.simplefilter('ignore')",
    'out = []',
    'for h in json.load(sys.stdin):',
    '    try:',
    "        compile(bytes.fromhex(h), 'migration.py', 'exec', dont_inherit=True); out.append(None)",
    '    except SyntaxError as e:',
    "        out.append({'exception': 'SyntaxError', 'msg': e.msg, 'line': e.lineno})",
    '    except Exception as e:',
    "        out.append({'exception': type(e).__name__, 'msg': str(e), 'line': None})",
    'print(json.dumps(out))',
  ].join('\n');
  const input = JSON.stringify(files.map((f) => f.toString('hex')));
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28 }),
  ) as ReturnType<typeof cpython>;
}

/** Ours, in the same shape: the decoding step's error, or the reader's syntax error. */
function ours(buf: Buffer): { exception: string; msg: string; line: number } | null {
  const decoded = decodePythonSource(buf);
  if ('error' in decoded) {
    const colon = decoded.error.indexOf(': ');
    return {
      exception: decoded.error.slice(0, colon),
      msg: decoded.error.slice(colon + 2),
      line: decoded.line,
    };
  }
  const e = readRevisionSource(decoded.text).syntaxError;
  return e ? { exception: e.exception ?? 'SyntaxError', msg: e.message, line: e.line } : null;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * A non-ASCII byte right after a number: CPython 3.11.4 and later (3.11.7, 3.12 and 3.13 checked) leave
 * it to the next token, as we do; Debian's 3.11.2, the oracle here, still calls it part of the literal.
 */
const OLD_NUMBER_END = 'invalid decimal literal';

/** Hand-written traps. `fstring` marks one whose message 3.12 changed (a UnicodeDecodeError); its verdict is still compared. */
const TRAPS: { name: string; src: string; fstring?: boolean; lastLine?: number; afterNumber?: boolean }[] = [
  { name: 'Latin-1 in a comment', src: '# Cr\xe9\xe9 par J\xe9r\xf4me\nrevision = "a"\n# \xe9t\xe9\n' },
  {
    name: 'every kind of bad sequence in a comment',
    src: 'x = 1  # \xc0\xaf \xe0\x80\xaf \xed\xa0\x80 \xf5\x80 \xf8 \x80 \xc3 \xe2\x82 \xf4\x90\x80\x80 \xf0\x80\x80\x80\n',
  },
  {
    name: 'in a comment in a body and inside brackets',
    src: 'def upgrade():\n    pass  # \xe9t\xe9\nx = (1,  # \xe9\n  2)\n',
  },
  { name: 'a declared utf-8 does not change it', src: '# -*- coding: utf-8 -*-\nx = 1\n# caf\xe9\n' },
  { name: 'nor does utf_8 or utf-8-sig', src: '# coding: utf_8\nx = 1\n# \xe9\n' },
  { name: 'a byte-order mark', src: '\xef\xbb\xbfx = 1\n# caf\xe9\n' },
  { name: 'in a string', src: 'x = 1\ny = "caf\xe9 au lait"\n' },
  { name: 'an overlong form in a string', src: 'y = "a\xc0\xafb"\n' },
  { name: 'a surrogate in a string', src: 'y = "a\xed\xa0\x80b"\n' },
  { name: 'cut short at the end of a string', src: 'y = "ab\xe2\x82"\n' },
  { name: 'after a valid character beyond U+FFFF', src: 'y = "\xf0\x90\x82\x80\xe9"\n' },
  { name: 'in a string with a backslash: each run of bytes on its own', src: 'y = "a\\n\xc3\xa9\xe9b"\n' },
  { name: 'right after a backslash', src: 'y = "a\\\xe9"\n' },
  { name: 'in a raw string with a backslash: the whole body', src: 'y = r"a\\n\xe9b"\n' },
  { name: 'before a bad escape in the same literal', src: 'y = "\\xZZ\xe9"\n' },
  { name: 'in a docstring', src: '"""Revision \xe9\n\nRevision ID: a\n"""\nrevision = "a"\n', lastLine: 4 },
  { name: 'in a string in a body', src: 'def upgrade():\n    op.execute("UPDATE t SET name = \'\xe9\'")\n' },
  { name: 'in the second of two literals on two lines', src: 'x = ("a"\n  "b\xe9")\n' },
  { name: 'in a bytes literal', src: 'y = b"a\xe9b"\n' },
  { name: 'in a u-prefixed string', src: 'y = u"\xe9"\n' },
  { name: 'in a name', src: 'x = 1\ny = ab\xe9cd\n' },
  { name: 'in a name after a valid non-ASCII letter', src: 'y = a\xc3\xa9\xe9\n' },
  { name: 'in a name after a character that is no letter', src: 'y = a\xe2\x82\xac\xe9\n' },
  { name: 'after a keyword', src: 'if\xe9 = 2\n' },
  { name: 'after a number', src: 'x = 1\xe9\n', afterNumber: true },
  { name: 'in a function name', src: 'def up\xe9():\n    pass\n' },
  { name: 'alone at the end of a line', src: 'x = 1\ny = 2 \xff\xfe\n' },
  { name: 'a string one, then a syntax error', src: 'y = "\xe9"\nx = = 1\n' },
  { name: 'a syntax error, then a string one', src: 'x = = 1\ny = "\xe9"\n' },
  { name: 'a string one, then an unclosed bracket', src: 'y = "\xe9"\nx = (\n' },
  { name: 'a comment one, then an unclosed bracket', src: 'x = 1  # \x85\ny = (\n' },
  { name: 'declared ascii', src: '# coding: ascii\nx = 1\n# caf\xc3\xa9\n' },
  {
    name: 'declared UTF8, which CPython does not normalise: the codec decodes the whole file',
    src: '# coding: UTF8\nx = 1\n# \xe9\n',
  },
  { name: 'declared cp1252, a byte it leaves undefined', src: '# coding: cp1252\nx = "a\x81"\n' },
  { name: 'declared cp1252, a byte it defines', src: '# coding: cp1252\nx = "a\x80"\n' },
  { name: 'declared latin-1, a C1 control in a string', src: '# coding: latin-1\nx = "a\x80"\n' },
  { name: 'declared latin-1, a C1 control in code', src: '# coding: latin-1\nx = a\x80\n' },
  { name: 'declared latin-1 after a byte-order mark', src: '\xef\xbb\xbf# coding: latin-1\nx = 1\n' },
  { name: 'an unknown encoding', src: '# coding: foobar\nx = 1\n' },
  { name: 'declared euc_jp', src: '# coding: euc_jp\nx = "\xa4\xa2"\n' },
  // Python's codec names, not Node's labels: latin1 and L1 are Latin-1 (Node: windows-1252), latin-2 is unknown to Python
  ...[
    'latin1',
    'L1',
    'cp819',
    'us-ascii',
    'ANSI_X3.4-1968',
    '1252',
    'u8',
    'mac-roman',
    'koi8-r',
    'latin-2',
    'iso8859-15',
  ].map((codec) => ({ name: `declared ${codec}`, src: `# coding: ${codec}\nx = "a\x80\x81\xe9"\ny = 1\n` })),
  { name: 'in an f-string after a field', src: 'x = 1\ny = f"a{x}\xe9b"\n', fstring: true },
  { name: 'in an f-string before a field', src: 'x = 1\ny = f"a\xe9{x}b"\n', fstring: true },
  { name: 'in an f-string after a doubled brace', src: 'x = 1\ny = f"a{{\xe9"\n', fstring: true },
];

describe('bytes that are not UTF-8, against CPython compiling what importlib reads', () => {
  it('accepts them in comments and rejects them in strings and names, with CPython exception and line', () => {
    const files = TRAPS.map((t) => latin1(t.src));
    const theirs = cpython(files);
    const mismatches: string[] = [];
    TRAPS.forEach((t, i) => {
      const o = ours(files[i]!);
      const p = theirs[i]!;
      if ((o === null) !== (p === null))
        mismatches.push(`${t.name}: ours ${JSON.stringify(o)}, CPython ${JSON.stringify(p)}`);
      else if (o && p && !t.fstring) {
        // CPython names no line (0) when decoding the whole file fails; we name the byte's. 3.11 names a
        // literal's last line, 3.12 its first, as we do
        const line = p.line === 0 || o.line === p.line || p.line === t.lastLine;
        if (o.exception !== p.exception || !line)
          mismatches.push(`${t.name}: ours ${JSON.stringify(o)}, CPython ${JSON.stringify(p)}`);
      }
    });
    expect(mismatches).toEqual([]);
    // the traps cover both verdicts
    expect(theirs.filter((x) => x === null).length).toBeGreaterThanOrEqual(8);
    expect(theirs.filter((x) => x !== null).length).toBeGreaterThanOrEqual(25);
  });

  it('agrees on 2,000 migrations with a bad sequence put at a random place', () => {
    const random = rng(20261124);
    const SEQUENCES = [
      '\xe9',
      '\xc3',
      '\x80',
      '\xff\xfe',
      '\xe2\x82',
      '\xc0\xaf',
      '\xed\xa0\x80',
      '\xf4\x90\x80\x80',
      '\xe9\xe9',
      'caf\xe9',
    ];
    const base = rev('a1b2c3d4e5f6', 'f6e5d4c3b2a1', "# the users' table\nNOTE = 'done'  # ok\n").replace(
      '    pass\n',
      "    op.add_column('users', sa.Column('name', sa.String(32)))  # name\n    op.execute(\"UPDATE users SET name = 'x'\")\n",
    );
    const files: Buffer[] = [];
    const places: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const at = Math.floor(random() * (base.length + 1));
      places.push(at);
      const seq = SEQUENCES[Math.floor(random() * SEQUENCES.length)]!;
      files.push(latin1(base.slice(0, at) + seq + base.slice(at)));
    }
    const theirs = cpython(files);
    let accepted = 0;
    const mismatches: string[] = [];
    files.forEach((f, i) => {
      const o = ours(f);
      const p = theirs[i]!;
      if (p === null) accepted++;
      if (o && p?.msg === OLD_NUMBER_END && /\d$/.test(f.toString('latin1', 0, places[i]))) return;
      // the docstring spans lines 1-5: 3.12 names a literal's first line, 3.11 its last
      const sameLine = o?.line === p?.line || (o?.line === 1 && p?.line === 5);
      // (on a line whose indentation fails, 3.11 raises SyntaxError where it would raise IndentationError: the line is compared)
      if ((o === null) !== (p === null) || (o && p && !sameLine))
        mismatches.push(
          `${JSON.stringify(f.toString('latin1'))}\n  ours ${JSON.stringify(o)}\n  CPython ${JSON.stringify(p)}`,
        );
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    // both verdicts are well represented: comments and strings, names and blank space
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(1900);
  });

  it('check passes a Latin-1 comment that real Alembic loads, and blocks a Latin-1 string with the error Alembic prints', () => {
    const comment = Buffer.concat([Buffer.from(rev('b2', 'a1')), latin1('# Cr\xe9\xe9 par J\xe9r\xf4me\n')]);
    const good = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: comment });
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: good,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.status).toBe(0);
    expect(heads.stdout).toContain('b2 (head)');
    const r = runCli(good, ['check', '--no-lint', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).graph.heads).toEqual(['b2']);

    const string = Buffer.concat([Buffer.from(rev('b2', 'a1')), latin1("NOTE = 'cr\xe9\xe9'\n")]);
    const bad = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: string });
    const failed = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: bad,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(failed.status).not.toBe(0);
    const b = runCli(bad, ['check', '--no-lint', '--format', 'json']);
    expect(b.status).toBe(1);
    const f = JSON.parse(b.stdout).findings.find((x: { code: string }) => x.code === 'unparseable-file');
    expect(f.alembicError).toBe(
      "SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xe9 in position 2: invalid continuation byte",
    );
    expect(failed.stderr).toContain(f.alembicError);
    expect(f.hint).toContain('Save the file as UTF-8');
  });
});

describe('a file declared cp1252, decoded as CPython decodes it', () => {
  it('every byte from 0x80 to 0xff gives the character Python gives (0x80 is €), and the five undefined ones fail', () => {
    const bytes = Array.from({ length: 128 }, (_, i) => 0x80 + i);
    const python = spawnSync(
      PYTHON,
      [
        '-c',
        'import json\nout = []\nfor b in range(0x80, 0x100):\n    try: out.append(bytes([b]).decode("cp1252"))\n    except UnicodeDecodeError: out.append(None)\nprint(json.dumps(out))',
      ],
      { encoding: 'utf8' },
    );
    const want = JSON.parse(python.stdout) as (string | null)[];
    expect(want[0]).toBe('€');
    bytes.forEach((b, i) => {
      const got = decodePythonSource(
        Buffer.concat([Buffer.from('# -*- coding: cp1252 -*-\nx = "'), Buffer.from([b]), Buffer.from('"\n')]),
      );
      if (want[i] === null) expect('error' in got, `0x${b.toString(16)}`).toBe(true);
      else expect('text' in got ? got.text.split('"')[1] : got, `0x${b.toString(16)}`).toBe(want[i]);
    });
  });
});
