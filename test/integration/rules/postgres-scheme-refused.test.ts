import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passesUrlUnchanged, rewritesPostgresScheme } from '../../../src/alembic/env/env-database-url.js';
import { runCli } from '../../helpers/cli.js';
import { ORACLE_PYTHON } from '../../helpers/oracle.js';
import { pgExec, startPostgres, type PgServer } from '../../helpers/pg-cluster.js';
import { DEFAULT_INI, makeProject, onlineEnvPy, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const project = (store: string, ini = DEFAULT_INI, files: Record<string, string> = {}): string =>
  makeProject(
    {
      [V + 'a1_x.py']: rev('a1', null),
      'migrations/env.py': onlineEnvPy(store),
      'migrations/script.py.mako': '',
      ...files,
    },
    ini,
  );
const AS_IT_IS = 'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))';

const upgrade = (root: string, url: string) =>
  spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
  });

type Found = {
  code: string;
  severity: string;
  path: string;
  line: number;
  message: string;
  hint: string;
  alembicError?: string;
};
const found = (stdout: string, code = 'postgres-scheme-refused'): Found[] =>
  (JSON.parse(stdout).findings as Found[]).filter((f) => f.code === code);
const lastLine = (text: string): string => text.trim().split('\n').at(-1)!;

describe("postgres-scheme-refused: Heroku's postgres:// reaches SQLAlchemy unchanged", () => {
  let pg: PgServer;
  let heroku: string;
  beforeAll(async () => {
    pg = await startPostgres();
    await pgExec(pg.url, 'CREATE DATABASE scheme_at_head');
    const url = pg.urlFor('scheme_at_head');
    await pgExec(url, [
      'CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)',
      "INSERT INTO alembic_version VALUES ('a1')",
    ]);
    heroku = url.replace(/^postgresql:/u, 'postgres:');
  }, 120_000);
  afterAll(async () => pg?.stop());

  it('blocks a database at head when env.py passes the postgres:// URL on, with the error real Alembic prints; the hint makes it upgrade', () => {
    const root = project(AS_IT_IS);
    const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: heroku });
    expect(r.status).toBe(1);
    const [f] = found(r.stdout);
    expect(f).toMatchObject({ severity: 'error', path: 'migrations/env.py', line: 6 });
    const up = upgrade(root, heroku);
    expect(up.status).not.toBe(0);
    expect(f!.alembicError).toBe(lastLine(up.stderr));
    expect(r.stdout).not.toContain(heroku);
    // the hint in place of the line: no finding, and Alembic connects (nothing to apply)
    const fixed = project(f!.hint + '\n');
    const again = runCli(fixed, ['verify', '--format', 'json'], { DATABASE_URL: heroku });
    expect(found(again.stdout)).toEqual([]);
    expect(again.status, again.stdout).toBe(0);
    expect(upgrade(fixed, heroku).status).toBe(0);
    // postgresql:// in the variable: nothing to refuse
    expect(
      found(
        runCli(root, ['verify', '--format', 'json'], {
          DATABASE_URL: heroku.replace(/^postgres:/u, 'postgresql:'),
        }).stdout,
      ),
    ).toEqual([]);
  });

  it('takes an unset variable to hold the --database-url value, as the verdict already does: verify --database-url "$(heroku config:get DATABASE_URL)"', () => {
    const root = project(AS_IT_IS);
    // nothing set here: the verdict is about the database given, and so is the scheme
    const r = runCli(root, ['verify', '--database-url', heroku, '--format', 'json'], { DATABASE_URL: '' });
    expect(r.status, r.stdout).toBe(1);
    const [f] = found(r.stdout);
    expect(f).toMatchObject({ severity: 'error', path: 'migrations/env.py', line: 6 });
    expect(f!.message).toContain('not set here');
    // what Alembic does where that value is set: the error the finding quotes
    const up = upgrade(root, heroku);
    expect(up.status).not.toBe(0);
    expect(f!.alembicError).toBe(lastLine(up.stderr));
    // postgresql:// given, or the variable set here to a value of its own: that value is what we know
    expect(
      found(
        runCli(
          root,
          ['verify', '--database-url', heroku.replace(/^postgres:/u, 'postgresql:'), '--format', 'json'],
          { DATABASE_URL: '' },
        ).stdout,
      ),
    ).toEqual([]);
    expect(
      found(
        runCli(root, ['verify', '--database-url', heroku, '--format', 'json'], {
          DATABASE_URL: heroku.replace(/^postgres:/u, 'postgresql:'),
        }).stdout,
      ),
    ).toEqual([]);
    // an application function in between may rewrite it
    const helper = project(
      'from app.db import fix_url\nconfig.set_main_option("sqlalchemy.url", fix_url(os.environ["DATABASE_URL"]))\n',
    );
    expect(
      found(
        runCli(helper, ['verify', '--database-url', heroku, '--format', 'json'], { DATABASE_URL: '' }).stdout,
      ),
    ).toEqual([]);
  });

  it("is quiet on SQLAlchemy 1.3 (a pin), and reports the ini's postgres:// under ini-url-differs with the same error", () => {
    const pinned = project(AS_IT_IS, DEFAULT_INI, {
      'requirements.txt': 'alembic==1.7.7\nSQLAlchemy==1.3.24\n',
    });
    expect(found(runCli(pinned, ['verify', '--format', 'json'], { DATABASE_URL: heroku }).stdout)).toEqual(
      [],
    );
    const template = project('', `${DEFAULT_INI}sqlalchemy.url = ${heroku}\n`);
    const r = runCli(template, ['verify', '--format', 'json'], { DATABASE_URL: heroku });
    expect(r.status).toBe(1);
    const [f] = found(r.stdout, 'ini-url-differs');
    expect(f).toMatchObject({ severity: 'error', path: 'alembic.ini', line: 4 });
    const up = upgrade(template, heroku);
    expect(up.status).not.toBe(0);
    expect(f!.alembicError).toBe(lastLine(up.stderr));
  });

  it('blocks only a value that reaches SQLAlchemy as it is: an application function in between may rewrite the scheme', () => {
    const cases: [string, boolean][] = [
      ['config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])', true],
      [
        'url = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", url.replace("%", "%%"))',
        true,
      ],
      [
        'url = os.environ.get("DATABASE_URL")\nif not url:\n    raise SystemExit(1)\nengine = create_engine(url)',
        true,
      ],
      ['def run():\n    engine = create_engine(os.getenv("DATABASE_URL"), poolclass=pool.NullPool)', true],
      ['context.configure(url=os.environ["DATABASE_URL"], target_metadata=m)', true],
      ['config.set_main_option("sqlalchemy.url", fix_url(os.environ["DATABASE_URL"]))', false],
      ['url = normalize(os.environ["DATABASE_URL"])\nconfig.set_main_option("sqlalchemy.url", url)', false],
      [
        'url = os.environ["DATABASE_URL"]\nurl = fix(url)\nconfig.set_main_option("sqlalchemy.url", url)',
        false,
      ],
      ['url = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", fix(url))', false],
      ['url = os.environ["DATABASE_URL"]\nsettings.url = url', false],
    ];
    for (const [src, unchanged] of cases)
      expect(passesUrlUnchanged(src, 'DATABASE_URL'), src).toBe(unchanged);
    const helper = project(
      'from app.db import fix_url\nconfig.set_main_option("sqlalchemy.url", fix_url(os.environ["DATABASE_URL"]))\n',
    );
    expect(found(runCli(helper, ['verify', '--format', 'json'], { DATABASE_URL: heroku }).stdout)).toEqual(
      [],
    );
  });

  it('counts any rewrite of the scheme in env.py, however written', () => {
    for (const rewrite of [
      'url.replace("postgres://", "postgresql://", 1)',
      're.sub(r"^postgres:", "postgresql:", url)',
      'url.replace("postgres", "postgresql+psycopg2", 1)',
      'make_url(url).set(drivername="postgresql")',
    ])
      expect(rewritesPostgresScheme(onlineEnvPy(`url = ${rewrite}\n`)), rewrite).toBe(true);
    expect(rewritesPostgresScheme(onlineEnvPy(`${AS_IT_IS}\n`))).toBe(false);
  });
});
