import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IniError, parseIni } from '../../src/alembic/config/ini-parser.js';
import { decodeLikePython } from '../../src/python/python-decode.js';
import { BIN } from '../helpers/cli.js';
import { alembicTargets, ORACLE_PYTHON, PYTHON } from '../helpers/oracle.js';
import { ENV_PY, makeProject, rev } from '../helpers/project.js';
import { rng } from '../helpers/rng.js';
import { tempDir } from '../helpers/temp-dir.js';

type Parsed =
  { sections: Record<string, Record<string, string>>; defaults: Record<string, string> } | { error: string };

/** configparser.ConfigParser as Alembic builds it ({'here': ...} defaults), reading each text from a file. */
function configparser(texts: readonly string[]): Parsed[] {
  const script = `
import base64, configparser, json, os, sys, tempfile
out = []
d = tempfile.mkdtemp()
p = os.path.join(d, 'x.ini')
for b in json.load(sys.stdin):
    open(p, 'wb').write(base64.b64decode(b))
    cp = configparser.ConfigParser({'here': '/x'})
    try:
        cp.read([p])
        out.append({'sections': {s: dict(cp._sections[s]) for s in cp.sections()},
                    'defaults': {k: v for k, v in cp._defaults.items() if k != 'here'}})
    except Exception as e:
        out.append({'error': ('configparser.' if isinstance(e, configparser.Error) else '') + type(e).__name__ + ': ' + str(e).replace(p, 'x.ini')})
print(json.dumps(out))`;
  const input = JSON.stringify(texts.map((t) => Buffer.from(t, 'utf8').toString('base64')));
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28, cwd: tempDir() }),
  ) as Parsed[];
}

function ours(text: string): Parsed {
  try {
    const ini = parseIni(text, 'x.ini', { here: '/x' });
    const raw = (m: Map<string, { raw: string }>): Record<string, string> =>
      Object.fromEntries([...m].map(([k, v]) => [k, v.raw]));
    return {
      sections: Object.fromEntries([...ini.sections].map(([s, m]) => [s, raw(m)])),
      defaults: raw(ini.defaults),
    };
  } catch (e) {
    if (e instanceof IniError) return { error: e.message };
    throw e;
  }
}

/** The lines configparser has rules for, one trap each. */
const HAND = [
  '[alembic]\nscript_location = m\n',
  '\ufeff[alembic]\nscript_location = m\n', // a byte-order mark is text to Python's utf-8 codec
  '[alembic] # main settings\nscript_location = m\n', // a header is matched at the start only
  '[alembic]x\nscript_location = m\n',
  '  [alembic]\nscript_location = m\n', // an indented header is a header
  '[alembic]\n  [other]\nscript_location = m\n',
  '[alembic]\nscript_location = m\n  [other]\n', // ... unless it continues a value
  '[ alembic ]\nscript_location = m\n',
  '[]\nscript_location = m\n',
  '[[alembic]]\nscript_location = m\n',
  '[alembic]\n[def] ; c\nx = 1\n',
  '[alembic]\nscript_location = m\u001c\n', // Python strips U+001C-U+001F and U+0085, not U+FEFF
  '[alembic]\n\u001cscript_location = m\n',
  '[alembic]\n\ufeffscript_location = m\n',
  '[alembic]\nscript_location = m\ufeff\n',
  '[alembic]\nscript_location = m\n\u0085continued\n',
  '[alembic]\nscript_location = m\n\u00a0continued\n',
  '[alembic]\nx = 1\n\ufeffy\n',
  '[alembic]\nscript_location = m\u2028x = 2\n', // not a line break in a file, and . matches it
  '[alembic]\nscript_location = m\n\tcontinued\n\n\n',
  '[alembic]\nscript_location = m\n\tcontinued\n\n\tmore\n',
  '[alembic]\nscript_location = m\r\nx = 2\r\n',
  '[alembic]\rscript_location = m\rx = 2\r',
  '[alembic]\nkey with spaces = v\n',
  '[alembic]\n = v\n',
  '[alembic]\nkey\n',
  '[alembic]\nkey: a = b\n',
  '[alembic]\nKEY = a\nkey = b\n',
  '[alembic]\nx = 1\n  # indented comment\n  y\n',
  '[DEFAULT]\nx = 1\n[alembic]\ny = %(x)s\n[DEFAULT]\nz = 2\n', // DEFAULT may come twice
  '[DEFAULT]\nx = 1\n[DEFAULT]\nx = 2\n',
  '[alembic]\nx = 1\n[alembic]\n',
  'x = 1\n[alembic]\n',
  "it's = 1\n[alembic]\n",
  '[alembic]\nx=1\ny\nz=2\n',
  '[alembic]\nx = 1\n\u0000y = 2\n',
  '[alembic]\nx = 1',
];

/** Random files from the same fragments, in every combination. */
function generated(count: number, seed: number): string[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const ws = [
    ' ',
    '  ',
    '\t',
    '\u00a0',
    '\u3000',
    '\u001c',
    '\u0085',
    '\ufeff',
    '\u2028',
    '\u000b',
    '\u000c',
    '',
  ];
  const names = ['alembic', 'DEFAULT', 'other', 'alembic ', ' alembic', 'x]', '[x]', 'Alembic'];
  const keys = [
    'script_location',
    'x',
    'Key',
    'KEY',
    'key with space',
    '',
    'sqlalchemy.url',
    '%(here)s',
    'a;b',
    'a#b',
  ];
  const vals = [
    'm',
    '%(here)s/m',
    'a = b',
    'a : b',
    '',
    ' ',
    '[s]',
    '# not a comment',
    '; nor this',
    "it's",
    '"q"',
    '\\',
  ];
  const line = (): string => {
    const w = pick(ws) + (r() < 0.3 ? pick(ws) : '');
    const k = Math.floor(r() * 9);
    if (k === 0)
      return `${r() < 0.25 ? w : ''}[${pick(names)}]${r() < 0.3 ? pick([' # c', ' ; c', 'x', ']', ' [y]']) : ''}`;
    if (k <= 3)
      return `${r() < 0.25 ? w : ''}${pick(keys)}${pick(ws)}${pick(['=', ':', ' = ', ': ', '=='])}${pick(ws)}${pick(vals)}${r() < 0.25 ? pick(ws) : ''}`;
    if (k === 4) return `${w}${pick(vals)}`;
    if (k === 5) return `${r() < 0.5 ? w : ''}${pick(['#', ';'])} comment`;
    if (k === 6) return r() < 0.5 ? '' : w;
    if (k === 7) return `${w}${pick(keys)}`;
    return `${pick(keys)} = ${pick(vals)}`;
  };
  return Array.from({ length: count }, () => {
    const lines = r() < 0.75 ? [`[${pick(['alembic', 'DEFAULT', 'other'])}]`] : [];
    for (let n = 1 + Math.floor(r() * 8); n > 0; n--) lines.push(line());
    return lines.join(pick(['\n', '\n', '\r\n', '\r'])) + pick(['\n', '', '\n\n', '\r\n']);
  });
}

describe('alembic.ini read as configparser reads it (differential, real Python)', () => {
  it('the hand-written traps and 3,000 generated files: the same sections, options and raw values, or the same error and message', () => {
    const texts = [...HAND, ...generated(3000, 20261124)];
    const truth = configparser(texts);
    const differ = texts.flatMap((t, i) =>
      JSON.stringify(ours(t)) === JSON.stringify(truth[i])
        ? []
        : [{ text: t, ours: ours(t), python: truth[i] }],
    );
    expect(differ.slice(0, 3)).toEqual([]);
    // the traps exercise both outcomes
    expect(truth.slice(0, HAND.length).filter((p) => 'error' in p).length).toBeGreaterThan(5);
    expect(truth.slice(0, HAND.length).filter((p) => !('error' in p)).length).toBeGreaterThan(20);
  });

  it('bytes that are not UTF-8: the UnicodeDecodeError configparser raises, at the position it prints (8 KB decode chunks), or the error of a line read before them', () => {
    const r = rng(7);
    const bad = [
      [0xe9],
      [0xff],
      [0x80],
      [0xc0, 0x80],
      [0xe2, 0x82],
      [0xe2, 0x82, 0x41],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x90, 0x41],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x98],
      [0xc3],
    ];
    const files: Buffer[] = [];
    for (let t = 0; t < 300; t++) {
      const size = [10, 600, 8180, 8190, 8191, 8192, 8193, 16383, 20000][Math.floor(r() * 9)]!;
      let body = r() < 0.1 ? 'k = v\n' : '[alembic]\n';
      for (let k = 0; body.length < size; k++)
        body += `${r() < 0.01 ? 'k0' : `k${k}`} = ${'é€😀a'.slice(0, Math.floor(r() * 5))}aaaaaaaaaaaaaaaaaaaaa\n`;
      const b = Buffer.from(body);
      const at = Math.floor(r() * b.length);
      files.push(
        Buffer.concat([
          b.subarray(0, at),
          Buffer.from(bad[Math.floor(r() * bad.length)]!),
          r() < 0.7 ? b.subarray(at) : Buffer.alloc(0),
        ]),
      );
    }
    const script = `
import base64, configparser, json, sys
out = []
for b in json.load(sys.stdin):
    open('x.ini', 'wb').write(base64.b64decode(b))
    try:
        configparser.ConfigParser().read('x.ini'); out.append(None)
    except UnicodeDecodeError as e:
        out.append('UnicodeDecodeError: ' + str(e))
    except configparser.Error as e:
        out.append('configparser.' + type(e).__name__)
print(json.dumps(out))`;
    const python = JSON.parse(
      execFileSync(PYTHON, ['-c', script], {
        input: JSON.stringify(files.map((f) => f.toString('base64'))),
        encoding: 'utf8',
        cwd: tempDir(),
      }),
    ) as (string | null)[];
    const mine = files.map((f) => {
      const d = decodeLikePython(f);
      if ('text' in d) return null;
      try {
        parseIni(d.before, 'x.ini', {}, { partial: true });
      } catch (e) {
        return `configparser.${/^configparser\.(\w+)/.exec((e as Error).message)![1]}`;
      }
      return d.error;
    });
    expect(mine.filter((m, i) => m !== python[i]).slice(0, 3)).toEqual([]);
    expect(python.filter((p) => p?.startsWith('UnicodeDecodeError')).length).toBeGreaterThan(200);
    expect(python.filter((p) => p?.startsWith('configparser.')).length).toBeGreaterThan(5);
  });

  it('check stops (exit 2) where real Alembic fails on every command: a byte-order mark, a Latin-1 byte', () => {
    const cases: [string, Buffer][] = [
      [
        'bom',
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from('[alembic]\nscript_location = migrations\n'),
        ]),
      ],
      ['latin1', Buffer.from('[alembic]\n# caf\u00e9 au lait\nscript_location = migrations\n', 'latin1')],
    ];
    for (const [name, ini] of cases) {
      const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
      writeFileSync(path.join(root, 'alembic.ini'), ini);
      const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], { cwd: root, encoding: 'utf8' });
      expect(alembic.status, name).not.toBe(0);
      const last = alembic.stderr.trim().split('\n');
      const r = spawnSync(process.execPath, [BIN, 'check', '--format', 'json'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(r.status, name).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { alembicError: string; hint: string } }).error;
      // Alembic's traceback ends with the exception; a configparser error spans its last three lines
      expect(
        alembic.stderr.trimEnd().endsWith(error.alembicError.split('\n').at(-1)!),
        `${name}: ${last.at(-1)}`,
      ).toBe(true);
      expect(last.join('\n')).toContain(error.alembicError.split('\n')[0]!.replace(/^configparser\./, ''));
    }
    // the hint's command fixes the byte-order mark
    const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
    writeFileSync(path.join(root, 'alembic.ini'), cases[0]![1]);
    const hint = (
      JSON.parse(
        spawnSync(process.execPath, [BIN, 'check', '--format', 'json'], { cwd: root, encoding: 'utf8' })
          .stdout,
      ) as { error: { hint: string } }
    ).error.hint;
    execFileSync('sh', ['-c', /\((sed [^)]*) removes it\)/.exec(hint)![1]!], { cwd: root });
    expect(readFileSync(path.join(root, 'alembic.ini'), 'utf8').startsWith('[alembic]')).toBe(true);
    expect(
      spawnSync(process.execPath, [BIN, 'check', '--format', 'json'], { cwd: root, encoding: 'utf8' }).status,
    ).toBe(0);
  });

  it('pyproject.toml, which Alembic >= 1.16 reads on every command: a byte-order mark and a Latin-1 byte stop check (exit 2), with what the newest Alembic prints', () => {
    const cases: [string, Buffer, string][] = [
      [
        'bom',
        Buffer.from('\ufeff[tool.black]\nline-length = 100\n'),
        'tomllib.TOMLDecodeError: Invalid statement (at line 1, column 1)',
      ],
      [
        'latin1',
        Buffer.from('[tool.black]\n# caf\u00e9\n', 'latin1'),
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 18: invalid continuation byte",
      ],
    ];
    const latest = alembicTargets().find((t) => t.name === 'latest');
    for (const [name, toml, alembicError] of cases) {
      const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null), 'pyproject.toml': toml });
      const r = spawnSync(
        process.execPath,
        [BIN, 'check', '--format', 'json', '--alembic-version', '1.19.2'],
        { cwd: root, encoding: 'utf8' },
      );
      expect(r.status, name).toBe(2);
      expect((JSON.parse(r.stdout) as { error: { alembicError: string } }).error.alembicError, name).toBe(
        alembicError,
      );
      // 1.8.1 has no pyproject support: the same files are no concern there
      expect(
        spawnSync(process.execPath, [BIN, 'check', '--format', 'json', '--alembic-version', '1.8.1'], {
          cwd: root,
          encoding: 'utf8',
        }).status,
        name,
      ).toBe(0);
      if (latest) {
        const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, ...latest.env },
        });
        expect(alembic.stderr.trim().split('\n').at(-1), name).toBe(alembicError);
      }
    }
  });
  it('an inline comment is part of the value, as real Alembic reads it: the same failure or the same graph, and a hint whose fix Alembic accepts', () => {
    const fixFrom = (hint: string): [string, string] => {
      const m = /Move the comment to a line of its own \((\S+) = ([^)]*)\)/.exec(hint);
      expect(m, hint).not.toBeNull();
      return [m![1]!, m![2]!];
    };
    const heads = (
      root: string,
      env: Record<string, string>,
    ): { status: number | null; out: string; err: string } => {
      const a = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
      });
      // a CommandError is printed as "FAILED: …" on stdout, an exception's traceback on stderr
      return {
        status: a.status,
        out: a.stdout.trim(),
        err: `${a.stderr}\n${a.stdout}`.trim().split('\n').at(-1) ?? '',
      };
    };
    const ini = (lines: string): string => `[alembic]\nscript_location = migrations\n${lines}\n`;
    const failing: [string, string][] = [
      [
        'separator',
        ini(
          'version_path_separator = os  # Use os.pathsep. Default configuration used for new projects.\nversion_locations = %(here)s/migrations/versions',
        ),
      ],
      ['script_location', '[alembic]\nscript_location = migrations  # where the revisions live\n'],
    ];
    for (const target of alembicTargets()) {
      for (const [name, text] of failing) {
        const root = makeProject(
          { 'migrations/versions/a1_x.py': rev('a1', null), 'migrations/env.py': ENV_PY },
          text,
        );
        const a = heads(root, target.env);
        expect(a.status, `${target.name} ${name}`).not.toBe(0);
        const r = spawnSync(
          process.execPath,
          [BIN, 'check', '--format', 'json', '--alembic-version', target.version],
          { cwd: root, encoding: 'utf8' },
        );
        expect(r.status, `${target.name} ${name}: ${r.stdout}`).toBe(2);
        const error = (JSON.parse(r.stdout) as { error: { alembicError: string; hint: string } }).error;
        expect(a.err, `${target.name} ${name}`).toBe(error.alembicError);
        const [option, value] = fixFrom(error.hint);
        writeFileSync(
          path.join(root, 'alembic.ini'),
          text.replace(
            new RegExp(`^${option} = .*$`, 'm'),
            `# ${option}: the comment moved\n${option} = ${value}`,
          ),
        );
        expect(heads(root, target.env).out, `${target.name} ${name} after the fix`).toBe('a1 (head)');
        expect(
          spawnSync(process.execPath, [BIN, 'check', '--alembic-version', target.version], {
            cwd: root,
            encoding: 'utf8',
          }).status,
        ).toBe(0);
      }
      // version_locations: split into more (missing) folders, or, with path_separator, one folder that is not there
      const listed: [string, string, string[]][] = [
        ['legacy split', ini('version_locations = %(here)s/migrations/versions  # ours'), ['a1']],
        [
          'path_separator',
          ini('path_separator = os\nversion_locations = %(here)s/migrations/versions  # ours'),
          target.version === '1.8.1' ? ['a1'] : [],
        ],
      ];
      for (const [name, text, expected] of listed) {
        const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) }, text);
        const a = heads(root, target.env);
        expect(a.status, `${target.name} ${name}: ${a.err}`).toBe(0);
        expect(
          a.out
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(' ')[0]),
          `${target.name} ${name}`,
        ).toEqual(expected);
        const r = spawnSync(
          process.execPath,
          [BIN, 'check', '--format', 'json', '--alembic-version', target.version],
          { cwd: root, encoding: 'utf8' },
        );
        const doc = JSON.parse(r.stdout) as {
          graph: { heads: string[] };
          findings: { code: string; message: string; hint: string }[];
        };
        expect(doc.graph.heads, `${target.name} ${name}`).toEqual(expected);
        const notes = doc.findings.filter((f) => f.code === 'version-location-missing');
        // one note, whether the comment's words became folders of their own (1.8.1 ignores path_separator) or not
        expect(notes.length, `${target.name} ${name}`).toBe(1);
        expect(notes[0]!.message).toContain('inline comment');
        const [option, value] = fixFrom(notes[0]!.hint);
        writeFileSync(
          path.join(root, 'alembic.ini'),
          text.replace(new RegExp(`^${option} = .*$`, 'm'), `${option} = ${value}`),
        );
        expect(heads(root, target.env).out.split(' ')[0], `${target.name} ${name} after the fix`).toBe('a1');
        const after = JSON.parse(
          spawnSync(
            process.execPath,
            [BIN, 'check', '--format', 'json', '--alembic-version', target.version],
            { cwd: root, encoding: 'utf8' },
          ).stdout,
        ) as { graph: { heads: string[] }; findings: { code: string }[] };
        expect(after.graph.heads).toEqual(['a1']);
        expect(after.findings.map((f) => f.code)).not.toContain('version-location-missing');
      }
    }
  });
  it("names that are an object's own property in JavaScript (constructor, __proto__) are unknown names to Alembic: the same error", () => {
    const ini = (lines: string): Record<string, string> => ({ 'alembic.ini': `[alembic]\n${lines}\n` });
    const cases: [string, Record<string, string>, string, boolean][] = [];
    for (const value of ['constructor', 'toString', '__proto__', 'colon']) {
      cases.push([
        `path_separator = ${value}`,
        ini(
          `script_location = migrations\npath_separator = ${value}\nversion_locations = %(here)s/migrations/versions`,
        ),
        `ValueError: '${value}' is not a valid value for path_separator; expected 'space', 'newline', 'os', ':', ';'`,
        true,
      ]);
    }
    for (const key of ['constructor', '__proto__']) {
      const raw = `migrations/%(${key})s`;
      cases.push([
        `ini %(${key})s`,
        ini(`script_location = ${raw}`),
        `configparser.InterpolationMissingOptionError: Bad value substitution: option 'script_location' in section 'alembic' contains an interpolation key '${key}' which is not a valid option name. Raw value: '${raw}'`,
        false,
      ]);
      cases.push([
        `pyproject %(${key})s`,
        { 'pyproject.toml': `[tool.alembic]\nscript_location = "%(${key})s/migrations"\n` },
        `KeyError: '${key}'`,
        true,
      ]);
    }
    // ours on both releases always; real Alembic beside it where that release is installed (1.19.2 with ALEMBIC_LATEST_SRC)
    const targets = alembicTargets();
    for (const version of ['1.8.1', '1.19.2']) {
      const target = targets.find((t) => (t.version === 'latest' ? '1.19.2' : t.version) === version);
      for (const [name, files, alembicError, newOnly] of cases) {
        if (newOnly && version === '1.8.1') continue;
        const root = makeProject(
          { 'migrations/versions/a1_x.py': rev('a1', null), 'migrations/env.py': ENV_PY, ...files },
          null,
        );
        const r = spawnSync(
          process.execPath,
          [BIN, 'check', '--format', 'json', '--alembic-version', version],
          { cwd: root, encoding: 'utf8' },
        );
        expect(r.status, `${version} ${name}`).toBe(2);
        expect(
          (JSON.parse(r.stdout) as { error: { alembicError: string } }).error.alembicError,
          `${version} ${name}`,
        ).toBe(alembicError);
        if (!target) continue;
        const a = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...target.env },
        });
        expect(a.stderr.trim().split('\n').at(-1), `${version} ${name}`).toBe(alembicError);
      }
    }
  });
  it("an [alembic] section without script_location, or no -c file at all, alone or with the key in the working folder's pyproject.toml (peter_sslers: -c data/config.ini): the same message or the same graph", () => {
    const tomlKey = '[tool.alembic]\nscript_location = "%(here)s/migrations"\n';
    const layouts: [string, Record<string, string>][] = [
      ['no key anywhere', { 'data/config.ini': '[alembic]\nsqlalchemy.url = sqlite://\n' }],
      [
        'the key in pyproject.toml',
        { 'data/config.ini': '[alembic]\nsqlalchemy.url = sqlite://\n', 'pyproject.toml': tomlKey },
      ],
      // configparser skips a file it cannot open: Alembic reads the missing ini as an empty one
      ['the -c file missing, the key in pyproject.toml (inspect-action)', { 'pyproject.toml': tomlKey }],
      ['the -c file missing, no key anywhere', {}],
      ['the -c file a folder, no key anywhere', { 'data/config.ini/README': '' }],
    ];
    for (const target of alembicTargets()) {
      for (const [name, files] of layouts) {
        const root = makeProject(
          { 'migrations/versions/a1_x.py': rev('a1', null), 'migrations/env.py': ENV_PY, ...files },
          null,
        );
        const a = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-c', 'data/config.ini', 'heads'], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...target.env },
        });
        const r = spawnSync(
          process.execPath,
          [BIN, 'check', '-c', 'data/config.ini', '--format', 'json', '--alembic-version', target.version],
          { cwd: root, encoding: 'utf8' },
        );
        const doc = JSON.parse(r.stdout) as { graph?: { heads: string[] }; error?: { alembicError: string } };
        if (a.status === 0) {
          expect(r.status, `${target.name} ${name}: ${r.stdout}`).toBe(0);
          expect(doc.graph!.heads).toEqual(
            a.stdout
              .trim()
              .split('\n')
              .map((l) => l.split(' ')[0]),
          );
        } else {
          expect(r.status, `${target.name} ${name}`).toBe(2);
          expect(`${a.stderr}\n${a.stdout}`.trim().split('\n').at(-1), `${target.name} ${name}`).toBe(
            doc.error!.alembicError,
          );
        }
      }
    }
    // the newest Alembic reads the key from pyproject.toml; 1.8.1 does not
    const root = makeProject(
      {
        'migrations/versions/a1_x.py': rev('a1', null),
        'migrations/env.py': ENV_PY,
        'data/config.ini': '[alembic]\n',
        'pyproject.toml': tomlKey,
      },
      null,
    );
    const status = (version: string): number | null =>
      spawnSync(process.execPath, [BIN, 'check', '-c', 'data/config.ini', '--alembic-version', version], {
        cwd: root,
        encoding: 'utf8',
      }).status;
    expect([status('1.8.1'), status('1.19.2')]).toEqual([2, 0]);
  });
  it('a path written with Windows backslashes: Alembic on Linux fails or finds nothing, as check says, and the forward-slashed fix works', () => {
    const heads = (root: string, env: Record<string, string>) => {
      const a = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
      });
      return {
        status: a.status,
        out: a.stdout.trim(),
        last: `${a.stderr}\n${a.stdout}`.trim().split('\n').at(-1) ?? '',
      };
    };
    const files = { 'db/migrations/versions/a1_x.py': rev('a1', null), 'db/migrations/env.py': ENV_PY };
    for (const target of alembicTargets()) {
      const script = makeProject(files, '[alembic]\nscript_location = %(here)s\\db\\migrations\n');
      const a = heads(script, target.env);
      expect(a.status, target.name).not.toBe(0);
      const r = spawnSync(
        process.execPath,
        [BIN, 'check', '--format', 'json', '--alembic-version', target.version],
        { cwd: script, encoding: 'utf8' },
      );
      expect(r.status, r.stdout).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { alembicError: string; hint: string } }).error;
      expect(a.last).toBe(error.alembicError);
      const fix = /write (script_location = \S+),/.exec(error.hint)![1]!;
      expect(fix).toBe('script_location = %(here)s/db/migrations');
      writeFileSync(path.join(script, 'alembic.ini'), `[alembic]\n${fix}\n`);
      expect(heads(script, target.env).out, target.name).toBe('a1 (head)');

      const listed = makeProject(
        files,
        '[alembic]\nscript_location = db/migrations\nversion_locations = %(here)s\\db\\migrations\\versions\n',
      );
      expect(heads(listed, target.env).out, target.name).toBe('');
      const doc = JSON.parse(
        spawnSync(process.execPath, [BIN, 'check', '--format', 'json', '--alembic-version', target.version], {
          cwd: listed,
          encoding: 'utf8',
        }).stdout,
      ) as { findings: { code: string; hint: string }[] };
      const note = doc.findings.find((f) => f.code === 'version-location-missing')!;
      const listedFix = /write (version_locations = \S+),/.exec(note.hint)![1]!;
      writeFileSync(
        path.join(listed, 'alembic.ini'),
        `[alembic]\nscript_location = db/migrations\n${listedFix}\n`,
      );
      expect(heads(listed, target.env).out, target.name).toBe('a1 (head)');
    }
  });
  it('a folder named in another case (it works on macOS and Windows): Alembic on Linux fails or finds nothing, and the fix spelt as the folders are works', () => {
    const heads = (root: string, env: Record<string, string>) => {
      const a = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
      });
      return { status: a.status, out: a.stdout.trim() };
    };
    const files = {
      'App/DB/migrations/versions/a1_x.py': rev('a1', null),
      'App/DB/migrations/env.py': ENV_PY,
    };
    const fixOf = (hint: string, option: string) =>
      new RegExp(`write (${option} = \\S+)\\.$`).exec(hint)?.[1];
    for (const target of alembicTargets()) {
      for (const written of ['app/db/migrations', '%(here)s/App/db/migrations']) {
        const root = makeProject(files, `[alembic]\nscript_location = ${written}\n`);
        expect(heads(root, target.env).status, target.name).not.toBe(0);
        const r = spawnSync(
          process.execPath,
          [BIN, 'check', '--format', 'json', '--alembic-version', target.version],
          { cwd: root, encoding: 'utf8' },
        );
        expect(r.status, r.stdout).toBe(2);
        const fix = fixOf(
          (JSON.parse(r.stdout) as { error: { hint: string } }).error.hint,
          'script_location',
        );
        expect(fix, written).toBe(
          written.startsWith('%')
            ? 'script_location = %(here)s/App/DB/migrations'
            : 'script_location = App/DB/migrations',
        );
        writeFileSync(path.join(root, 'alembic.ini'), `[alembic]\n${fix!}\n`);
        expect(heads(root, target.env).out, `${target.name} ${written}`).toBe('a1 (head)');
      }
      const listed = makeProject(
        files,
        '[alembic]\nscript_location = App/DB/migrations\nversion_locations = %(here)s/app/DB/migrations/versions\n',
      );
      expect(heads(listed, target.env).out, target.name).toBe('');
      const doc = JSON.parse(
        spawnSync(process.execPath, [BIN, 'check', '--format', 'json', '--alembic-version', target.version], {
          cwd: listed,
          encoding: 'utf8',
        }).stdout,
      ) as { findings: { code: string; hint: string }[] };
      const fix = fixOf(
        doc.findings.find((f) => f.code === 'version-location-missing')!.hint,
        'version_locations',
      );
      expect(fix).toBe('version_locations = %(here)s/App/DB/migrations/versions');
      writeFileSync(
        path.join(listed, 'alembic.ini'),
        `[alembic]\nscript_location = App/DB/migrations\n${fix!}\n`,
      );
      expect(heads(listed, target.env).out, target.name).toBe('a1 (head)');
    }
  });
});
