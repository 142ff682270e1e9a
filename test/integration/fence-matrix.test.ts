import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../src/commands/rehearse/rehearse-command.js';
import { releaseCommand } from '../../src/commands/release/release-command.js';
import { PreflightError } from '../../src/errors/errors.js';
import {
  DRIVERS,
  MYSQL_DRIVERS,
  PG_DRIVERS,
  SHAPES,
  writeSeed,
  type Expected,
  type Server,
} from '../helpers/fence-matrix.js';
import { sample } from '../helpers/full.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';
import { alembicOnPath, PYTHON, REPO } from '../helpers/oracle.js';
import { pgExec, statementsIn } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { projectWith, revisionFile } from '../helpers/probe-app.js';
import { tempDir } from '../helpers/temp-dir.js';

// The fence matrix, judged by outcome: each cell's child runs a seed that deletes another database's
// rows with one driver, started in one shape, by `release --` or `rehearse --then`. The other database
// keeps its three rows and its server log shows no statement in every cell; a shape that cannot be
// proved fenced is refused before the seed runs, any other is stopped at the seed's connection. Three
// non-Python cells: psql refused, psql --unfenced reaching only the target, an unknown program refused.
// The CI sample is every shape with psycopg2, every driver with the plain shape, and four rehearsals;
// FENCE_MATRIX_FULL=1 (npm run fence-matrix) runs every cell and rewrites the table in docs/fence.md;
// PREFLIGHT_FULL=1 (npm run test:full) runs every cell too.

const FULL = process.env['FENCE_MATRIX_FULL'] === '1';
type Mode = 'release' | 'rehearse';
type Dialect = 'postgresql' | 'mysql';
interface Cell {
  readonly dialect: Dialect;
  readonly mode: Mode;
  readonly driver: string;
  readonly shape: (typeof SHAPES)[number];
}
const ALL: Cell[] = (['postgresql', 'mysql'] as const).flatMap((dialect) =>
  (['release', 'rehearse'] as const).flatMap((mode) =>
    Object.keys(dialect === 'postgresql' ? PG_DRIVERS : MYSQL_DRIVERS).flatMap((driver) =>
      SHAPES.map((shape) => ({ dialect, mode, driver, shape })),
    ),
  ),
);
const SAMPLE_REHEARSE = new Set([
  'psycopg2 python3 seed.py',
  'psycopg2 env -i',
  'asyncpg subprocess with a replaced environment',
  'psycopg os.execv after del PYTHONPATH',
  'aiomysql a shell script of the app',
]);
/** The CI sample: every shape with psycopg2 and PyMySQL, every driver plainly, five rehearsals. */
const CELLS = sample(
  ALL,
  (c) =>
    c.mode === 'release'
      ? c.driver === 'psycopg2' || c.driver === 'pymysql' || c.shape.name === 'python3 seed.py'
      : SAMPLE_REHEARSE.has(`${c.driver} ${c.shape.name}`),
  'FENCE_MATRIX_FULL',
);
const seen: { cell: Cell; got: Expected }[] = [];
afterAll(() => {
  if (FULL && seen.length === ALL.length) writeTable(seen);
});

const ITEMS = 'op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True))';

/** Where the other database is, and how to tell that nothing reached it. */
interface Backend {
  readonly server: () => Server;
  readonly url: (db: string) => string;
  /** A position in the server's log: what was sent to the other database after it is the child's. */
  readonly mark: () => Promise<number>;
  readonly sentSince: (mark: number) => Promise<unknown[]>;
  readonly otherRows: () => Promise<number>;
  /** The developer's variables, naming the other database every way a program could read it. */
  readonly naming: () => Record<string, string>;
  /** The version table's row in `db`. */
  readonly version: (db: string) => Promise<string | undefined>;
  /** Runs SQL on the server (MariaDB only; PostgreSQL goes through pgExec). */
  readonly exec: (sql: string) => void;
}

function postgresBackend(): Backend {
  const pg = postgresForSuite(async (server) => {
    await pgExec(server.url, ['CREATE DATABASE fm_other', 'CREATE DATABASE fm_target']);
    await pgExec(server.urlFor('fm_other'), [
      'CREATE TABLE items (id integer PRIMARY KEY)',
      'INSERT INTO items VALUES (1), (2), (3)',
    ]);
  });
  const server = () => ({ host: '127.0.0.1', port: pg().port, user: pg().user, password: pg().password });
  return {
    server,
    url: (db) => pg().urlFor(db),
    mark: async () => readFileSync(pg().logFile!, 'utf8').length,
    sentSince: async (from) => statementsIn(pg().logFile!, 'fm_other', from),
    otherRows: async () =>
      ((await pgExec(pg().urlFor('fm_other'), 'SELECT count(*)::int FROM items')) as number[][])[0]![0]!,
    version: async (db) =>
      ((await pgExec(pg().urlFor(db), 'SELECT version_num FROM alembic_version')) as string[][])[0]?.[0],
    exec: () => {
      throw new Error('PostgreSQL: use pgExec');
    },
    naming: () => ({
      PGHOST: '127.0.0.1',
      PGPORT: String(pg().port),
      PGUSER: pg().user,
      PGPASSWORD: pg().password,
      PGDATABASE: 'fm_other',
      ...splitVariables(server(), 'fm_other'),
      OTHER_DSN: `host=127.0.0.1 port=${pg().port} dbname=fm_other user=${pg().user} password=${pg().password}`,
    }),
  };
}

function mysqlBackend(): Backend {
  const maria = mariadbForSuite();
  let ready = false;
  const m = () => {
    if (!ready) {
      maria().exec(
        'CREATE DATABASE fm_other; CREATE DATABASE fm_target; CREATE DATABASE fm_scratch; CREATE TABLE fm_other.items (id integer PRIMARY KEY); INSERT INTO fm_other.items VALUES (1), (2), (3)',
      );
      ready = true;
    }
    return maria();
  };
  // what the app's user sent that names the other database, or deletes rows (no cell deletes on the target)
  const sent = () =>
    m().exec(
      "SELECT argument FROM mysql.general_log WHERE user_host LIKE 'preflight[preflight]%' AND (argument LIKE '%fm_other%' OR argument LIKE 'DELETE FROM items%')",
    );
  return {
    server: () => ({ host: '127.0.0.1', port: m().port, user: m().user, password: m().password }),
    url: (db) => m().urlFor(db),
    mark: async () => sent().length,
    sentSince: async (from) => sent().slice(from),
    otherRows: async () => Number(m().exec('SELECT COUNT(*) FROM fm_other.items')[0]![0]),
    version: async (db) => m().exec(`SELECT version_num FROM ${db}.alembic_version`)[0]?.[0],
    exec: (sql) => void m().exec(sql),
    naming: () => ({
      ...splitVariables(
        { host: '127.0.0.1', port: m().port, user: m().user, password: m().password },
        'fm_other',
      ),
      MYSQL_HOST: '127.0.0.1',
      MYSQL_TCP_PORT: String(m().port),
      MYSQL_PWD: m().password,
    }),
  };
}

function splitVariables(s: Server, db: string): Record<string, string> {
  return { DB_HOST: s.host, DB_PORT: String(s.port), DB_NAME: db, DB_USER: s.user, DB_PASSWORD: s.password };
}

for (const dialect of ['postgresql', 'mysql'] as const)
  describe(`the fence matrix on ${dialect}: child shapes × drivers × release and rehearse`, () => {
    const backend = dialect === 'postgresql' ? postgresBackend() : mysqlBackend();
    const bin = tempDir('preflight-fm-bin-');
    let root = '';

    beforeAll(async () => {
      alembicOnPath(bin);
      root = projectWith([['a1000000', ITEMS]]);
      writeFileSync(
        path.join(root, 'migrations', 'versions', 'a1000000_step.py'),
        revisionFile('a1000000', null, ITEMS, 'op.drop_table("items")'),
      );
      // the target at head: each release cell starts its command with --always-run, Alembic not needed
      const r = await release([], false);
      expect(r.code, r.out).toBe(0);
    }, 120_000);

    const env = (): Record<string, string> => ({
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      DATABASE_URL: backend.url('fm_target'),
      PYTHONDONTWRITEBYTECODE: '1',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
      ...backend.naming(),
    });

    async function release(command: string[], always = true, unfenced = false) {
      let out = '';
      const code = await releaseCommand({
        cwd: root,
        format: 'text',
        env: env(),
        ...(command.length > 0 ? { command } : {}),
        alwaysRun: always,
        unfenced,
        out: (t) => (out += t),
        report: (e) => {
          out += e.message;
          return e.exitCode;
        },
      });
      return { code, out };
    }

    async function rehearse(then: string) {
      try {
        const r = await rehearseCommand({
          cwd: root,
          format: 'text',
          scratchUrl: dialect === 'postgresql' ? backend.url('postgres') : backend.url('fm_scratch'),
          drift: false,
          then,
          env: env(),
        });
        return { code: r.exitCode, out: r.stdout };
      } catch (e) {
        if (!(e instanceof PreflightError)) throw e;
        return { code: e.exitCode, out: e.message };
      }
    }

    /** The other database as it was: three rows, and nothing the child sent it since `mark`. */
    async function untouched(mark: number): Promise<void> {
      expect(await backend.sentSince(mark)).toEqual([]);
      expect(await backend.otherRows()).toBe(3);
    }

    it.each(
      CELLS.filter((c) => c.dialect === dialect).map((c) => [c.mode, c.shape.name, c.driver, c] as const),
    )(
      '%s: %s (%s)',
      async (mode, _shape, driver, cell) => {
        writeSeed(root, driver, backend.server(), 'fm_other');
        rmSync(path.join(root, 'ran'), { force: true });
        const mark = await backend.mark();
        const r =
          mode === 'release' ? await release(['sh', '-c', cell.shape.line]) : await rehearse(cell.shape.line);
        await untouched(mark);
        expect(r.code, r.out).toBe(2);
        const got: Expected = /was not started/u.test(r.out) ? 'refused' : 'stopped';
        if (got === 'refused') expect(existsSync(path.join(root, 'ran'))).toBe(false);
        else
          expect(r.out).toMatch(/the connection was closed before its first statement|started `python -I`/u);
        expect(got).toBe(cell.shape.expected);
        seen.push({ cell, got });
      },
      120_000,
    );

    it.each([
      ['alembic upgrade head', ['alembic', 'upgrade', 'head']],
      ['python3 -m alembic upgrade head', [PYTHON, '-m', 'alembic', 'upgrade', 'head']],
      ['a release script of plain commands', ['./bin/release.sh']],
      ['sh -e -c with mkdir -p', ['sh', '-e', '-c', 'mkdir -p var/run && alembic upgrade head']],
    ])(
      'the control: release -- %s migrates a new target, the fence in place',
      async (_, command) => {
        const db = `fm_ctl_${seen.length}_${Math.floor(Math.random() * 1e6)}`;
        if (dialect === 'postgresql') await pgExec(backend.url('postgres'), [`CREATE DATABASE ${db}`]);
        else backend.exec(`CREATE DATABASE ${db}`);
        mkdirSync(path.join(root, 'bin'), { recursive: true });
        writeFileSync(
          path.join(root, 'bin', 'release.sh'),
          '#!/bin/sh\nset -e\nalembic upgrade head\necho migrated\n',
          { mode: 0o755 },
        );
        let out = '';
        const code = await releaseCommand({
          cwd: root,
          format: 'text',
          env: { ...env(), DATABASE_URL: backend.url(db) },
          command,
          out: (t) => (out += t),
          report: (e) => {
            out += e.message;
            return e.exitCode;
          },
        });
        expect(code, out).toBe(0);
        expect(await backend.version(db)).toBe('a1000000');
      },
      120_000,
    );

    if (dialect === 'postgresql')
      it('psql (split DB_* variables, a keyword DSN, PG*): refused by release and rehearse; --unfenced, it reaches only the target', async () => {
        const psql =
          "psql -v ON_ERROR_STOP=1 -c 'DELETE FROM items' && " +
          `psql -v ON_ERROR_STOP=1 "host=$DB_HOST port=$DB_PORT dbname=$DB_NAME user=$DB_USER password=$DB_PASSWORD" -c 'DELETE FROM items' && ` +
          `psql -v ON_ERROR_STOP=1 "$OTHER_DSN" -c 'DELETE FROM items'`;
        const mark = await backend.mark();
        for (const r of [
          await release(['sh', '-c', psql]),
          await rehearse(psql),
          await release(['make', 'seed']),
        ]) {
          expect(r.code, r.out).toBe(2);
          expect(r.out).toMatch(/was not started: `(?:psql|make)`/u);
        }
        await untouched(mark);
        await pgExec(backend.url('fm_target'), ['INSERT INTO items VALUES (7), (8)']);
        const unfencedMark = await backend.mark();
        const r = await release(['sh', '-c', psql], true, true);
        expect(r.code, r.out).toBe(0);
        expect(r.out).toContain('started under --unfenced, not proved fenced to this database');
        expect(await pgExec(backend.url('fm_target'), 'SELECT count(*)::int FROM items')).toEqual([[0]]);
        await untouched(unfencedMark);
      }, 120_000);
  });

/** The matrix as docs/fence.md shows it: a row per shape, a column per driver, what every cell came to. */
function writeTable(seen: readonly { cell: Cell; got: Expected }[]): void {
  const drivers = Object.keys(DRIVERS);
  const lines = [
    `| shape | ${drivers.join(' | ')} |`,
    `|---|${drivers.map(() => '---').join('|')}|`,
    ...SHAPES.map((shape) => {
      const cells = drivers.map((driver) => {
        const got = (['release', 'rehearse'] as const).map(
          (mode) =>
            seen.find((s) => s.cell.mode === mode && s.cell.driver === driver && s.cell.shape === shape)?.got,
        );
        return got[0] === got[1] ? got[0]! : `${got[0]} / ${got[1]}`;
      });
      return `| ${shape.name} | ${cells.join(' | ')} |`;
    }),
  ];
  const file = path.join(REPO, 'docs', 'fence.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- fence-matrix -->\n';
  const end = '<!-- /fence-matrix -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error('docs/fence.md has no fence-matrix markers');
  writeFileSync(file, doc.slice(0, a + start.length) + lines.join('\n') + '\n' + doc.slice(b));
}
