import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unguardedFileConfigCall } from '../../../src/alembic/env/env-setup-facts.js';
import { IniError, parseIni } from '../../../src/alembic/config/ini-parser.js';
import { fileConfigFailure } from '../../../src/alembic/config/logging-config.js';
import { BIN } from '../../helpers/cli.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets, PYTHON } from '../../helpers/oracle.js';
import {
  check,
  makeProject,
  rev,
  TEMPLATE_ENV_PY as TEMPLATE_ENV,
  TEMPLATE_LOGGING as LOGGING,
} from '../../helpers/project.js';
import { rng } from '../../helpers/rng.js';
import { tempDir } from '../../helpers/temp-dir.js';

const V = 'migrations/versions/';
const PYPROJECT = '[tool.alembic]\nscript_location = "%(here)s/migrations"\n';
const INI = '[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///%(here)s/app.db\n';

describeRule(
  'logging-config-broken',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV }, INI),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV },
        `${INI}\n${LOGGING}`,
      ),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.path).toBe('alembic.ini');
    expect(f.alembicError).toBe("KeyError: 'formatters'");
    expect(f.message).toContain('[formatters] is missing');
  },
);

/** What real Python's logging.config.fileConfig raises for each file (its last traceback line), or null. */
function pythonFileConfig(texts: readonly string[]): (string | null)[] {
  const script = `
import configparser, json, logging.config, os, sys, tempfile
out = []
d = tempfile.mkdtemp()
os.chdir(d)
for text in json.load(sys.stdin):
    with open('x.ini', 'w', encoding='utf-8') as f:
        f.write(text)
    try:
        logging.config.fileConfig('x.ini')
        out.append(None)
    except Exception as e:
        name = type(e).__name__
        mod = type(e).__module__
        out.append((mod + '.' if mod not in ('builtins',) else '') + name + ': ' + str(e))
    finally:
        logging.config.fileConfig  # the root logger keeps what the last good file set; reset it
        for h in list(logging.root.handlers):
            logging.root.removeHandler(h)
print(json.dumps(out))`;
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], {
      input: JSON.stringify(texts),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    }),
  ) as (string | null)[];
}

function ours(text: string): string | null {
  let ini;
  try {
    ini = parseIni(text, 'x.ini', { here: '/x' });
  } catch (e) {
    // two edits that write the same option: configparser refuses the file (Alembic itself already would)
    if (e instanceof IniError) return e.message;
    throw e;
  }
  return (
    fileConfigFailure({ fname: 'x.ini', ini, empty: text.length === 0, python312: false })?.error ?? null
  );
}

/** Ways a real team breaks the logging sections: each applied to the template's, alone or in pairs. */
const MUTATIONS: ((s: string) => string)[] = [
  (s) => s.replace(/\[formatters\]\nkeys = generic\n/, ''),
  (s) => s.replace(/\[handlers\]\nkeys = console\n/, ''),
  (s) => s.replace(/\[loggers\]\nkeys = root,sqlalchemy,alembic\n/, ''),
  (s) => s.replace('keys = generic', 'keys ='),
  (s) => s.replace('keys = generic', 'keys = generic, json'),
  (s) => s.replace('keys = console', 'keys = console, file'),
  (s) => s.replace('keys = console', 'keys ='),
  (s) => s.replace('keys = root,sqlalchemy,alembic', 'keys = sqlalchemy,alembic'),
  (s) => s.replace('keys = root,sqlalchemy,alembic', 'keys = root,sqlalchemy,alembic,'),
  (s) => s.replace('keys = root,sqlalchemy,alembic', 'keys = root, sqlalchemy , alembic'),
  (s) => s.replace('keys = root,sqlalchemy,alembic', 'keys = root,sqlalchemy,alembic,app'),
  (s) => s.replace('keys = root,sqlalchemy,alembic', 'keys ='),
  (s) => s.replace(/\[logger_root\][^[]*/, ''),
  (s) => s.replace(/\[logger_alembic\][^[]*/, ''),
  (s) => s.replace(/\[handler_console\][^[]*/, ''),
  (s) => s.replace(/\[formatter_generic\][^[]*/, ''),
  (s) => s.replace('qualname = alembic', ''),
  (s) => s.replace('level = INFO', 'level = VERBOSE'),
  (s) => s.replace('level = INFO', 'level = info'),
  (s) => s.replace('level = INFO', 'level = 20'),
  (s) => s.replace('level = NOTSET', 'level = LOUD'),
  (s) => s.replace('level = WARNING\nhandlers = console', 'level = NOISY\nhandlers = console'),
  (s) => s.replace('handlers = console\nqualname =', 'qualname ='),
  (s) => s.replace('handlers = console\nqualname =', 'handlers = console, file\nqualname ='),
  (s) => s.replace('handlers =\nqualname = alembic', 'handlers = stderr\nqualname = alembic'),
  (s) => s.replace('qualname = alembic', 'qualname = alembic\npropagate = 0'),
  (s) => s.replace('qualname = alembic', 'qualname = alembic\npropagate = yes'),
  (s) => s.replace('qualname = alembic', 'qualname = alembic\npropagate = 1_0'),
  (s) => s.replace('formatter = generic', 'formatter = json'),
  (s) => s.replace('formatter = generic', 'formatter ='),
  (s) => s.replace('class = StreamHandler\n', ''),
  (s) => s.replace('args = (sys.stderr,)', "args = ('%(here)s/alembic.log',)"),
  (s) => s.replace('args = (sys.stderr,)', 'args = (sys.stderr,)\nkwargs = {"x": "%(nope)s"}'),
  (s) => s.replace('format = %(levelname)-5.5s [%(name)s] %(message)s', 'format = alembic says'),
  (s) =>
    s.replace(
      'format = %(levelname)-5.5s [%(name)s] %(message)s',
      'format = {levelname} {message}\nstyle = {',
    ),
  (s) => s.replace('format = %(levelname)-5.5s [%(name)s] %(message)s', 'format = %(message)s\nstyle = ^'),
  (s) => s.replace('format = %(levelname)-5.5s [%(name)s] %(message)s', 'format ='),
  (s) => s.replace('datefmt = %H:%M:%S', 'datefmt = %H:%M:%S\nclass = logging.Formatter'),
  (s) => `[DEFAULT]\nlevel = DEBUG\n\n${s.replace(/level = \w+\n/g, '')}`,
  (s) => `[DEFAULT]\nqualname = x\n\n${s.replace('qualname = alembic', '')}`,
  (s) => s.replace('[handler_console]', '[handler_Console]'),
  (s) => s.replace('[formatter_generic]', '[Formatter_generic]'),
  (s) => s.replace('keys = console', 'KEYS = console'),
];

describe('logging-config-broken: the logging sections as fileConfig reads them (differential, real Python)', () => {
  it('the template, each breakage alone and 400 random pairs: the same exception and message as logging.config.fileConfig, or none', () => {
    const template = `${INI}\n${LOGGING}`;
    const texts = ['', INI, template, ...MUTATIONS.map((m) => m(template))];
    const random = rng(0x10991);
    for (let i = 0; i < 400; i++) {
      const a = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!;
      const b = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!;
      texts.push(b(a(template)));
    }
    const python = pythonFileConfig(texts);
    const mine = texts.map(ours);
    const differ = texts
      .map((t, i) => ({ t, python: python[i], mine: mine[i] }))
      .filter((x) => x.python !== x.mine);
    expect(differ.slice(0, 3)).toEqual([]);
    // the cases reach the failures the rule knows, not only the template's success
    expect(new Set(python.map((p) => p?.split(':')[0] ?? 'ok')).size).toBeGreaterThanOrEqual(4);
    expect(python.filter((p) => p === null).length).toBeGreaterThan(10);
  });

  it('Python 3.12 and later check the file first: missing, then empty', () => {
    expect(
      fileConfigFailure({ fname: 'alembic.ini', ini: undefined, empty: false, python312: true })?.error,
    ).toBe("FileNotFoundError: alembic.ini doesn't exist");
    expect(
      fileConfigFailure({ fname: 'conf/a.ini', ini: parseIni('', 'a.ini'), empty: true, python312: true })
        ?.error,
    ).toBe('RuntimeError: conf/a.ini is an empty file');
    expect(
      fileConfigFailure({ fname: 'alembic.ini', ini: undefined, empty: false, python312: false })?.error,
    ).toBe("KeyError: 'formatters'");
    // a file of blank lines is not empty to os.path.getsize
    expect(
      fileConfigFailure({
        fname: 'alembic.ini',
        ini: parseIni('\n\n', 'a.ini'),
        empty: false,
        python312: true,
      })?.error,
    ).toBe("KeyError: 'formatters'");
  });
});

describe('logging-config-broken: which fileConfig calls run on every load', () => {
  const head =
    'from logging.config import fileConfig\nfrom alembic import context\nconfig = context.config\n';
  const cases: [string, number | undefined][] = [
    [`${head}fileConfig(config.config_file_name)\n`, 4],
    [`${head}if config.config_file_name is not None:\n    fileConfig(config.config_file_name)\n`, 5],
    [
      `${head}if config.config_file_name:\n    fileConfig(config.config_file_name, disable_existing_loggers=False)\n`,
      5,
    ],
    [`${head}if config.config_file_name is not None: fileConfig(config.config_file_name)\n`, 4],
    [`${head}fileConfig(fname=context.config.config_file_name)\n`, 4],
    [
      'import logging.config\nfrom alembic import context\nconfig = context.config\nlogging.config.fileConfig(config.config_file_name)\n',
      4,
    ],
    [
      'from logging.config import dictConfig, fileConfig\nfrom alembic import context\nconfig = context.config\nfileConfig(config.config_file_name)\n',
      4,
    ],
    // sortipy: only when the file is there
    [
      `${head}import os\nif config.config_file_name is not None and os.path.exists(config.config_file_name):\n    fileConfig(config.config_file_name)\n`,
      undefined,
    ],
    [
      `${head}if config.config_file_name is not None:\n    pass\nelse:\n    fileConfig(config.config_file_name)\n`,
      undefined,
    ],
    [`${head}try:\n    fileConfig(config.config_file_name)\nexcept KeyError:\n    pass\n`, undefined],
    [`${head}def setup():\n    fileConfig(config.config_file_name)\n`, undefined],
    [`${head}fileConfig('logging.ini')\n`, undefined],
    [`${head}x = fileConfig(config.config_file_name)\n`, undefined],
    // a fileConfig that is not logging's
    [
      'from alembic import context\nfrom myapp.log import fileConfig\nconfig = context.config\nfileConfig(config.config_file_name)\n',
      undefined,
    ],
    [
      'from logging.config import fileConfig as fc\nfrom alembic import context\nconfig = context.config\nfileConfig(config.config_file_name)\n',
      undefined,
    ],
    [`${head}"""fileConfig(config.config_file_name)"""\n# fileConfig(config.config_file_name)\n`, undefined],
  ];
  it.each(cases)('%#', (source, line) => {
    expect(unguardedFileConfigCall(source)?.line).toBe(line);
  });
  it("reads the defaults the call passes: none, Alembic's config_args (which hold here), or something only Python knows", () => {
    const call = (args: string) => unguardedFileConfigCall(`${head}fileConfig(${args})\n`)?.defaults;
    expect(call('config.config_file_name')).toBe('none');
    expect(call('config.config_file_name, disable_existing_loggers=False')).toBe('none');
    expect(call('config.config_file_name, defaults=None')).toBe('none');
    expect(call('config.config_file_name, defaults=config.config_args')).toBe('config_args');
    expect(call('config.config_file_name, config.config_args')).toBe('config_args');
    expect(call('config.config_file_name, {"here": "."}')).toBe('unknown');
    expect(call('config.config_file_name, defaults=settings')).toBe('unknown');
    expect(call('config.config_file_name, **options')).toBeUndefined();
  });
});

describe('logging-config-broken: real Alembic fails as check says, and the fix works', () => {
  const upgrade = (root: string, env: Record<string, string>) =>
    alembicCommand(root, ['upgrade', 'head'], env);
  const run = (
    root: string,
    version: string,
  ): {
    status: number | null;
    findings: { code: string; alembicError?: string; hint: string; path: string }[];
  } => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'check', '--format', 'json', '--no-lint', '--alembic-version', version],
      { cwd: root, encoding: 'utf8' },
    );
    return {
      status: r.status,
      findings: (
        JSON.parse(r.stdout) as {
          findings: { code: string; alembicError?: string; hint: string; path: string }[];
        }
      ).findings,
    };
  };

  it("an alembic.ini trimmed to [alembic] (Alembic's issue #985) and a logging section that names a missing handler: every target", () => {
    const broken: [string, string][] = [
      ['trimmed', INI],
      [
        'unknown handler',
        `${INI}\n${LOGGING.replace('handlers = console\nqualname =', 'handlers = console, file\nqualname =')}`,
      ],
    ];
    for (const target of alembicTargets()) {
      for (const [name, ini] of broken) {
        const root = makeProject(
          {
            [V + 'a1_x.py']: rev('a1', null),
            'migrations/env.py': TEMPLATE_ENV,
            '.python-version': '3.11\n',
          },
          ini,
        );
        const a = upgrade(root, target.env);
        expect(a.status, `${target.name} ${name}`).not.toBe(0);
        const r = run(root, target.version);
        expect(r.status, `${target.name} ${name}`).toBe(1);
        const f = r.findings.find((x) => x.code === 'logging-config-broken');
        expect(f?.alembicError, `${target.name} ${name}`).toBe(a.last);
      }
      // the fix the hint names: the template's logging sections
      const root = makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV, '.python-version': '3.11\n' },
        `${INI}\n${LOGGING}`,
      );
      expect(upgrade(root, target.env).status, target.name).toBe(0);
      expect(run(root, target.version).findings.map((f) => f.code)).not.toContain('logging-config-broken');
    }
  });

  it('a project configured in pyproject.toml with no alembic.ini (the newest Alembic): the failure, then each fix the hint gives', () => {
    const latest = alembicTargets().find((t) => t.name === 'latest');
    const files = {
      [V + 'a1_x.py']: rev('a1', null),
      'migrations/env.py': TEMPLATE_ENV.replace(
        'config.get_section(config.config_ini_section, {})',
        '{"sqlalchemy.url": "sqlite:///app.db"}',
      ),
      'pyproject.toml': PYPROJECT,
    };
    const root = makeProject({ ...files, '.python-version': '3.11\n' }, null);
    const r = run(root, '1.19.2');
    expect(r.status).toBe(1);
    const f = r.findings.find((x) => x.code === 'logging-config-broken')!;
    expect(f.path).toBe('migrations/env.py');
    expect(f.alembicError).toBe("KeyError: 'formatters'");
    expect(f.hint).toContain('never from pyproject.toml');
    // undeclared Python: the newest's text, naming the older one
    rmSync(path.join(root, '.python-version'));
    const undeclared = run(root, '1.19.2').findings.find((x) => x.code === 'logging-config-broken') as
      { alembicError?: string; message?: string } | undefined;
    expect(undeclared?.alembicError).toBe("FileNotFoundError: alembic.ini doesn't exist");
    writeFileSync(path.join(root, '.python-version'), '3.11\n');
    if (latest) {
      expect(upgrade(root, latest.env).last).toBe(f.alembicError);
      // fix 1: an alembic.ini that holds only the logging sections
      writeFileSync(path.join(root, 'alembic.ini'), LOGGING);
      expect(upgrade(root, latest.env).status).toBe(0);
      expect(run(root, '1.19.2').status).toBe(0);
      // fix 2: no ini, and the guard from the hint
      rmSync(path.join(root, 'alembic.ini'));
      const guard = /guard the call in env\.py: (if .*?): (fileConfig\(config\.config_file_name\))\.$/.exec(
        f.hint,
      )!;
      const env = files['migrations/env.py'].replace(
        'if config.config_file_name is not None:\n    fileConfig(config.config_file_name)',
        `import os\n${guard[1]}:\n    ${guard[2]}`,
      );
      writeFileSync(path.join(root, 'migrations/env.py'), env);
      expect(upgrade(root, latest.env).status).toBe(0);
      expect(run(root, '1.19.2').status).toBe(0);
    }
  });

  it('a handler writing to %(here)s: fileConfig knows no here unless env.py passes defaults=config.config_args (peter_sslers does)', () => {
    const ini = `${INI}\n${LOGGING.replace('keys = console', 'keys = console, filelog').replace('handlers = console\nqualname =', 'handlers = console, filelog\nqualname =')}\n[handler_filelog]\nclass = FileHandler\nargs = ('%(here)s/alembic.log', 'a')\nformatter = generic\n`;
    for (const target of alembicTargets()) {
      const plain = makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV, '.python-version': '3.11\n' },
        ini,
      );
      const a = upgrade(plain, target.env);
      expect(a.status, target.name).not.toBe(0);
      expect(
        run(plain, target.version).findings.find((f) => f.code === 'logging-config-broken')?.alembicError,
        target.name,
      ).toBe(a.last);
      const withDefaults = makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          'migrations/env.py': TEMPLATE_ENV.replace(
            'fileConfig(config.config_file_name)',
            'fileConfig(config.config_file_name, defaults=config.config_args)',
          ),
        },
        ini,
      );
      expect(upgrade(withDefaults, target.env).status, target.name).toBe(0);
      expect(
        run(withDefaults, target.version).findings.map((f) => f.code),
        target.name,
      ).not.toContain('logging-config-broken');
    }
  });

  it('says nothing when env.py never calls fileConfig, or guards it, whatever the ini holds', async () => {
    const quiet = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': TEMPLATE_ENV.replace(/if config\.config_file_name[^\n]*\n[^\n]*\n/, ''),
      },
      INI,
    );
    expect((await check(quiet)).findings.map((f) => f.code)).not.toContain('logging-config-broken');
    const dir = tempDir();
    expect(
      fileConfigFailure({
        fname: 'x',
        ini: parseIni(`${INI}\n${LOGGING}`, path.join(dir, 'x')),
        empty: false,
        python312: true,
      }),
    ).toBeUndefined();
  });
});
