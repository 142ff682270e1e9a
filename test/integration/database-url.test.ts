import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTarget, parseDatabaseUrl, type PostgresTarget } from '../../src/database/database-url.js';
import { planSsl } from '../../src/database/pg-ssl.js';
import { type PreflightError } from '../../src/errors/errors.js';
import { redactSecrets } from '../../src/errors/redact.js';
import { PYTHON } from '../helpers/oracle.js';

const PW = 'pa$$:w/rd@x';
const enc = encodeURIComponent(PW);

function err(url: string): PreflightError {
  try {
    parseDatabaseUrl(url, '/work');
  } catch (e) {
    return e as PreflightError;
  }
  throw new Error('expected an error');
}

describe('database URLs', () => {
  it('accepts postgres://, postgresql:// and postgresql+driver:// alike', () => {
    for (const scheme of [
      'postgres',
      'postgresql',
      'postgresql+psycopg2',
      'postgresql+psycopg',
      'postgresql+asyncpg',
      'postgresql+pg8000',
    ]) {
      const t = parseDatabaseUrl(`${scheme}://app:${enc}@db.example.com:6543/prod?sslmode=require`, '/work');
      expect(t).toMatchObject({
        dialect: 'postgresql',
        host: 'db.example.com',
        port: 6543,
        database: 'prod',
        user: 'app',
        password: PW,
      });
    }
  });

  it('defaults the port, reads IPv6 hosts and host= parameters', () => {
    expect(parseDatabaseUrl('postgresql://u@h/db', '/')).toMatchObject({ port: 5432, host: 'h', user: 'u' });
    expect(parseDatabaseUrl('postgresql://u@[::1]:5433/db', '/')).toMatchObject({ host: '::1', port: 5433 });
    expect(parseDatabaseUrl('postgresql://u@/db?host=/var/run/postgresql', '/')).toMatchObject({
      host: '/var/run/postgresql',
    });
  });

  it('reads sqlite:///relative and sqlite:////absolute like SQLAlchemy', () => {
    expect(parseDatabaseUrl('sqlite:///app.db', '/work/proj')).toMatchObject({
      dialect: 'sqlite',
      file: path.resolve('/work/proj/app.db'),
    });
    expect(parseDatabaseUrl('sqlite:////var/data/app.db', '/work/proj')).toMatchObject({
      file: '/var/data/app.db',
    });
  });

  it('reads MySQL and MariaDB URLs as SQLAlchemy hands them to each driver', () => {
    expect(parseDatabaseUrl(`mysql://app:${enc}@db.example.com/shop?charset=utf8mb4`, '/')).toMatchObject({
      dialect: 'mysql',
      driver: 'mysqldb',
      host: 'db.example.com',
      port: 3306,
      database: 'shop',
      user: 'app',
      password: PW,
    });
    expect(parseDatabaseUrl(`mysql+pymysql://app:${enc}@10.0.0.5:3307/shop`, '/')).toMatchObject({
      driver: 'pymysql',
      port: 3307,
    });
    // mysqlclient reaches localhost through the socket (libmariadb's default, or MYSQL_UNIX_PORT); PyMySQL by TCP
    expect(
      parseDatabaseUrl('mysql://app@localhost/shop', '/', { MYSQL_UNIX_PORT: '/tmp/m.sock' }),
    ).toMatchObject({
      socket: '/tmp/m.sock',
    });
    expect(parseDatabaseUrl('mysql+pymysql://app@localhost/shop', '/')).not.toHaveProperty('socket');
    expect(
      parseDatabaseUrl('mariadb+mariadbconnector://app@h/shop?unix_socket=/run/x.sock', '/'),
    ).toMatchObject({ driver: 'mariadbconnector', socket: '/run/x.sock' });
  });

  it('rejects in-memory SQLite, unknown schemes, malformed URLs and options a driver refuses with exit 2', () => {
    const cases: [string, RegExp][] = [
      ['sqlite://', /in-memory/],
      ['sqlite:///:memory:', /in-memory/],
      // ClearDB's URLs end in ?reconnect=true, which SQLAlchemy hands to the driver's connect()
      [
        `mysql://root:${enc}@h/db?reconnect=true`,
        /reconnect= is not an argument mysqlclient's connect\(\) takes/,
      ],
      [`mysql+pymysql://root:${enc}@h/db?reconnect=true`, /reconnect= is not an argument PyMySQL's/],
      [`mysql+pymysql://root:${enc}@h`, /names no database/],
      [`oracle://u:${enc}@h/db`, /Unknown database URL scheme 'oracle:\/\/'/],
      [`u:${enc}@h/db`, /no scheme/],
      [`postgresql://u:${enc}@h:99999/db`, /invalid port/],
      [`postgresql://u:${enc}@h:abc/db`, /invalid port/],
      ['postgresql://u:%zz@h/db', /invalid %-escape/],
      [`postgresql://u:${enc}@h1,h2/db`, /several hosts/],
      // libpq reads these and may connect elsewhere than the URL's host says
      [`postgresql://u:${enc}@/db?service=prod`, /libpq's service=/],
      [`postgresql://u:${enc}@h/db?hostaddr=10.0.0.5`, /libpq's hostaddr=/],
    ];
    for (const [url, re] of cases) {
      const e = err(url);
      expect(e.exitCode, url).toBe(2);
      expect(e.message, url).toMatch(re);
      expect(e.hint, url).toBeTruthy();
      // the output filter hides credential-bearing URLs: our own hints must survive it unchanged
      expect(redactSecrets(e.hint!), url).toBe(e.hint);
      for (const text of [e.message, e.hint ?? '']) {
        expect(text).not.toContain(PW);
        expect(text).not.toContain(enc);
        if (url.includes(enc)) expect(text).not.toContain(url);
      }
    }
  });

  it("fills what a PostgreSQL URL leaves out from libpq's environment variables, when given them; the URL wins", () => {
    const env = { PGHOST: 'db.internal', PGPORT: '6432', PGDATABASE: 'prod', PGUSER: 'app', PGPASSWORD: PW };
    expect(parseDatabaseUrl('postgresql://', '/', env)).toMatchObject({
      host: 'db.internal',
      port: 6432,
      database: 'prod',
      user: 'app',
      password: PW,
    });
    expect(parseDatabaseUrl(`postgresql://me:${enc}@h:5433/mine`, '/', env)).toMatchObject({
      host: 'h',
      port: 5433,
      database: 'mine',
      user: 'me',
      password: PW,
    });
    expect(parseDatabaseUrl('postgresql://me@/mine?port=7000', '/', env)).toMatchObject({
      host: 'db.internal',
      port: 7000,
      user: 'me',
      password: PW,
    });
    expect(
      (
        parseDatabaseUrl('postgresql://h/db', '/', { PGOPTIONS: '-csearch_path=tenant' }) as PostgresTarget
      ).params.get('options'),
    ).toBe('-csearch_path=tenant');
    expect(
      (
        parseDatabaseUrl('postgresql://h/db?options=-csearch_path%3Dother', '/', {
          PGOPTIONS: '-csearch_path=tenant',
        }) as PostgresTarget
      ).params.get('options'),
    ).toBe('-csearch_path=other');
    // no PGDATABASE: libpq's database is the user's name
    expect(parseDatabaseUrl('postgresql://', '/', { PGHOST: 'h', PGUSER: 'app' })).toMatchObject({
      database: 'app',
    });
    // without an environment the URL alone is read (comparing two URLs as written)
    expect(() => parseDatabaseUrl('postgresql://', '/')).toThrow(/names no database/);
    expect(parseDatabaseUrl('postgresql://u@/db', '/')).toMatchObject({
      host: 'localhost',
      port: 5432,
      password: undefined,
    });
  });

  it("a URL with no host and no PGHOST finds this machine's socket folder for its port, as drivers do, else localhost", () => {
    const port = String(40_000 + Math.floor(Math.random() * 20_000));
    const socket = path.join('/tmp', `.s.PGSQL.${port}`);
    expect(parseDatabaseUrl(`postgresql://u@:${port}/db`, '/', {})).toMatchObject({ host: 'localhost' });
    // a plain file stands in for the server's socket: only its presence is looked at
    writeFileSync(socket, '');
    try {
      expect(parseDatabaseUrl(`postgresql://u@:${port}/db`, '/', {})).toMatchObject({
        host: '/tmp',
        port: Number(port),
      });
      expect(parseDatabaseUrl('postgresql://u@/db', '/', { PGPORT: port })).toMatchObject({ host: '/tmp' });
      expect(parseDatabaseUrl('postgresql://u@/db', '/', { PGPORT: port, PGHOST: 'h' })).toMatchObject({
        host: 'h',
      });
    } finally {
      rmSync(socket, { force: true });
    }
  });

  it('describes a target without credentials', () => {
    const d = describeTarget(parseDatabaseUrl(`postgres://app:${enc}@db.example.com:5432/prod`, '/'));
    expect(d).toEqual({ dialect: 'postgresql', host: 'db.example.com:5432', database: 'prod' });
    expect(JSON.stringify(d)).not.toContain('app:');
  });
});

describe('libpq sslmode, implemented explicitly', () => {
  const pgt = (url: string) => parseDatabaseUrl(url, '/') as Parameters<typeof planSsl>[0];

  it('defaults to require (encrypt, do not verify) for remote hosts and prefer for local ones', () => {
    const remote = planSsl(pgt('postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com/db'), {}, {});
    expect(remote).toMatchObject({ mode: 'require', source: 'default', fallback: 'none' });
    expect(remote.attempts).toEqual([expect.objectContaining({ rejectUnauthorized: false })]);
    const local = planSsl(pgt('postgres://u:p@localhost/db'), {}, {});
    expect(local.mode).toBe('prefer');
    expect(local.attempts).toHaveLength(2);
    expect(local.attempts[1]).toBe(false);
  });

  it('does not treat require as verify-full (unlike pg-connection-string)', () => {
    const p = planSsl(pgt('postgres://u:p@db.example.com/db?sslmode=require'), {}, {});
    expect(p.source).toBe('url');
    expect(p.attempts[0]).toMatchObject({ rejectUnauthorized: false });
  });

  it('verifies the chain for verify-ca but not the host name; verify-full checks both', () => {
    const ca = planSsl(pgt('postgres://u:p@db.example.com/db'), { flag: 'verify-ca' }, {});
    const caOpts = ca.attempts[0] as { rejectUnauthorized: boolean; checkServerIdentity?: () => unknown };
    expect(caOpts.rejectUnauthorized).toBe(true);
    expect(caOpts.checkServerIdentity?.()).toBeUndefined();
    const full = planSsl(pgt('postgres://u:p@db.example.com/db'), { flag: 'verify-full' }, {});
    expect(full.attempts[0]).toMatchObject({ rejectUnauthorized: true, servername: 'db.example.com' });
    expect((full.attempts[0] as { checkServerIdentity?: unknown }).checkServerIdentity).toBeUndefined();
  });

  it('disable and allow; flag beats URL beats PGSSLMODE', () => {
    expect(planSsl(pgt('postgres://u:p@h/db?sslmode=disable'), {}, {}).attempts).toEqual([false]);
    expect(planSsl(pgt('postgres://u:p@h/db'), { flag: 'allow' }, {}).attempts[0]).toBe(false);
    expect(planSsl(pgt('postgres://u:p@h/db?sslmode=disable'), { flag: 'require' }, {}).mode).toBe('require');
    expect(planSsl(pgt('postgres://u:p@h/db'), {}, { PGSSLMODE: 'disable' })).toMatchObject({
      mode: 'disable',
      source: 'PGSSLMODE',
    });
  });

  it('rejects no-verify and unknown modes with a libpq-correct hint', () => {
    expect(() => planSsl(pgt('postgres://u:p@h/db?sslmode=no-verify'), {}, {})).toThrow(/libpq/);
    expect(() => planSsl(pgt('postgres://u:p@h/db?sslmode=bogus'), {}, {})).toThrow(/not an sslmode/);
  });
});

describe('a PostgreSQL URL read as SQLAlchemy reads it (make_url), which is what Alembic connects with', () => {
  const URLS = [
    'postgresql://u:pw@db.example.com:5432/app',
    'postgresql://u@x:pw@db.example.com/app',
    'postgresql://u:p%40ss@db.example.com/app',
    'postgresql://u:p:w@db.example.com/app',
    'postgresql://db.example.com:5432/app',
    'postgresql://u:p@ss@db.example.com:5432/app',
    'postgresql://u:a@b@c@db.example.com/app',
  ];

  it('splits user, password and host where SQLAlchemy does; a password with an unencoded @ is refused, since Alembic cannot connect', () => {
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        'import json, sys\nfrom sqlalchemy.engine import make_url\nout = []\nfor u in sys.argv[1:]:\n    x = make_url(u)\n    out.append([x.username, x.password, x.host, x.port, x.database])\nprint(json.dumps(out))',
        ...URLS,
      ],
      { encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    const theirs = JSON.parse(py.stdout) as [string | null, string | null, string, number | null, string][];
    URLS.forEach((url, i) => {
      const [user, password, host, port, database] = theirs[i]!;
      if (host.includes('@')) {
        // SQLAlchemy took part of the password for the host name: DNS fails for Alembic
        expect(() => parseDatabaseUrl(url, '/')).toThrow(/password holds an unencoded '@'/u);
        return;
      }
      const ours = parseDatabaseUrl(url, '/');
      expect(ours.dialect).toBe('postgresql');
      if (ours.dialect !== 'postgresql') return;
      expect(
        {
          user: ours.user ?? null,
          password: ours.password ?? null,
          host: ours.host,
          port: ours.port,
          database: ours.database,
        },
        url,
      ).toEqual({ user, password, host, port: port ?? 5432, database });
    });
    expect(theirs.filter(([, , host]) => host.includes('@'))).toHaveLength(2);
  });
});
