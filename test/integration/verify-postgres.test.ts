import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareDatabase,
  runAlembicUpgrade,
  writeScenarioProject,
  type Scenario,
} from '../helpers/db-scenario.js';
import { runCli as cli, unwrapped } from '../helpers/cli.js';
import { pgExec, startPostgres, TEST_PASSWORD, type PgServer } from '../helpers/pg-cluster.js';

const LINEAR: Scenario['revs'] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describe('verify against PostgreSQL', () => {
  let pg: PgServer;
  let root: string;
  let url: string;
  beforeAll(async () => {
    pg = await startPostgres();
    const s: Scenario = { name: 'incident', revs: LINEAR, rows: ['guest_lockout_001'] };
    root = writeScenarioProject(s);
    url = await prepareDatabase(s, 'postgresql', root, {
      adminUrl: pg.url,
      urlFor: (db) => pg.urlFor(db),
      index: 900,
    });
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("replays the guest_lockout_001 incident: exit 1, Alembic's exact line, the fix, nothing written", async () => {
    const herokuStyle = url.replace(/^postgresql:/u, 'postgres:');
    const r = cli(root, ['verify'], { DATABASE_URL: herokuStyle });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      "Alembic prints: FAILED: Can't locate revision identified by 'guest_lockout_001'",
    );
    expect(r.stdout).toContain('alembic stamp --purge bbb222');
    expect(r.stdout).toMatch(
      /^BLOCKED: `alembic upgrade head` will fail: Can't locate revision identified by 'guest_lockout_001'$/mu,
    );
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['guest_lockout_001']]);
  });

  it('uses one read-only connection named alembic-preflight and writes nothing', () => {
    const before = readFileSync(pg.logFile!, 'utf8').length;
    const r = cli(root, ['verify', '--format', 'json'], { DATABASE_URL: url });
    expect(r.status).toBe(1);
    const log = readFileSync(pg.logFile!, 'utf8').slice(before);
    const ours = log.split('\n').filter((l) => l.startsWith('app=alembic-preflight:'));
    expect(
      log.split('\n').filter((l) => /connection authorized: .*application_name=alembic-preflight/u.test(l)),
    ).toHaveLength(1);
    const statements = ours
      .filter((l) => /statement: /u.test(l))
      .map((l) => l.replace(/^.*statement: /u, ''));
    expect(statements[0]).toMatch(
      /^BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = 5000; SET LOCAL lock_timeout = 2000;/u,
    );
    // two round trips: the settings and the table's description, then the rows, the schema probes'
    // catalog and the end of the transaction
    expect(statements).toHaveLength(2);
    expect(statements[1]).toMatch(
      /^SELECT version_num FROM "alembic_version"; SELECT \(SELECT pg_catalog\.json_agg\(.* FROM pg_catalog\.pg_namespace ns WHERE ns\.nspname = pg_catalog\.current_schema\(\); ROLLBACK$/u,
    );
    for (const s of statements)
      expect(s).not.toMatch(/^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE)/iu);
    const doc = JSON.parse(r.stdout);
    expect(doc.database).toMatchObject({
      dialect: 'postgresql',
      host: `127.0.0.1:${pg.port}`,
      versionTable: 'alembic_version',
      stamps: [{ value: 'guest_lockout_001', resolvesTo: [], how: 'failed' }],
      state: 'unresolvable',
    });
    expect(doc.prediction).toMatchObject({
      target: 'head',
      willSucceed: false,
      pending: [],
      finalHeads: null,
      cliOutput: "FAILED: Can't locate revision identified by 'guest_lockout_001'",
    });
  });

  /** A database stamped with `row` whose version_num was made character(32) by hand, and verify's finding on it (which blocks). */
  async function paddedColumn(
    name: string,
    row: string,
    index: number,
  ): Promise<{ padded: string; f: { message: string; hint: string; alembicError: string } }> {
    const s: Scenario = { name, revs: LINEAR, rows: [row] };
    const padded = await prepareDatabase(s, 'postgresql', root, {
      adminUrl: pg.url,
      urlFor: (db) => pg.urlFor(db),
      index,
    });
    await pgExec(padded, 'ALTER TABLE alembic_version ALTER COLUMN version_num TYPE character(32)');
    const r = cli(root, ['verify', '--format', 'json'], { DATABASE_URL: padded });
    expect(r.status).toBe(1);
    return {
      padded,
      f: JSON.parse(r.stdout).findings.find((x: { code: string }) => x.code === 'stamped-revision-missing'),
    };
  }

  it('a version_num made character(32) by hand: names the padding and the ALTER that fixes it, which real Alembic then upgrades through', async () => {
    const { padded, f } = await paddedColumn('padded', 'aaa111', 901);
    expect(f.message).toContain(
      "is 'aaa111' followed by 26 spaces: version_num is character(32), which pads every value to its full length",
    );
    expect(f.alembicError).toBe(`FAILED: Can't locate revision identified by 'aaa111${' '.repeat(26)}'`);
    const failed = runAlembicUpgrade(root, padded, 'head');
    expect(failed.rc).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain(f.alembicError);
    const alter = /ALTER TABLE .*?;/u.exec(f.hint)![0];
    expect(alter).toBe('ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(32);');
    await pgExec(padded, alter);
    expect(cli(root, ['verify'], { DATABASE_URL: padded }).status).toBe(0);
    const ran = runAlembicUpgrade(root, padded, 'head');
    expect(ran.rc).toBe(0);
    expect(ran.applied).toEqual(['bbb222']);
  });

  it('a blank before the id in a character(32) column: the hint adds the UPDATE the ALTER leaves needed, and real Alembic then upgrades', async () => {
    const { padded, f } = await paddedColumn('padded-lead', ' aaa111', 902);
    expect(f.alembicError).toBe(`FAILED: Can't locate revision identified by ' aaa111${' '.repeat(25)}'`);
    const statements = f.hint.match(/(?:ALTER TABLE|UPDATE) .*?;/gu) as string[];
    expect(statements).toEqual([
      'ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar(32);',
      "UPDATE alembic_version SET version_num = 'aaa111' WHERE version_num = ' aaa111';",
    ]);
    // the ALTER alone is not enough: the leading blank survives it
    await pgExec(padded, statements[0]!);
    expect(runAlembicUpgrade(root, padded, 'head').rc).not.toBe(0);
    await pgExec(padded, statements[1]!);
    expect(cli(root, ['verify'], { DATABASE_URL: padded }).status).toBe(0);
    const ran = runAlembicUpgrade(root, padded, 'head');
    expect(ran.rc).toBe(0);
    expect(ran.applied).toEqual(['bbb222']);
  });

  it("reads the version table the URL's options=-csearch_path=… puts first, as Alembic (libpq) does", async () => {
    const s: Scenario = { name: 'search-path', revs: LINEAR, rows: ['bbb222'] };
    const db = await prepareDatabase(s, 'postgresql', root, {
      adminUrl: pg.url,
      urlFor: (name) => pg.urlFor(name),
      index: 903,
    });
    await pgExec(db, [
      'CREATE SCHEMA tenant',
      'CREATE TABLE tenant.alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)',
      "INSERT INTO tenant.alembic_version VALUES ('guest_lockout_001')",
    ]);
    // public.alembic_version is at head: without the option, an all-clear
    expect(cli(root, ['verify'], { DATABASE_URL: db }).status).toBe(0);
    const tenant = `${db}${db.includes('?') ? '&' : '?'}options=-csearch_path%3Dtenant`;
    const r = cli(root, ['verify', '--format', 'json'], { DATABASE_URL: tenant });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.database.stamps).toMatchObject([{ value: 'guest_lockout_001', how: 'failed' }]);
    const real = runAlembicUpgrade(root, tenant, 'head');
    expect(real.rc).not.toBe(0);
    expect(real.stdout + real.stderr).toContain(doc.prediction.cliOutput);
  });

  it("stops rather than guess when env.py sets the search_path itself (Alembic's schema-per-tenant recipe), and agrees with real Alembic given the schema", async () => {
    const s: Scenario = { name: 'tenant-recipe', revs: LINEAR, rows: ['bbb222'] };
    const dir = writeScenarioProject(s);
    const db = await prepareDatabase(s, 'postgresql', dir, {
      adminUrl: pg.url,
      urlFor: (name) => pg.urlFor(name),
      index: 904,
    });
    await pgExec(db, [
      'CREATE SCHEMA tenant_a',
      'CREATE TABLE tenant_a.alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)',
      "INSERT INTO tenant_a.alembic_version VALUES ('guest_lockout_001')",
    ]);
    const envPath = path.join(dir, 'migrations', 'env.py');
    const template = readFileSync(envPath, 'utf8');
    const withSearchPath = (lines: string): string =>
      template
        .replace('from sqlalchemy import create_engine', 'from sqlalchemy import create_engine, text')
        .replace(
          '    with engine.connect() as connection:\n',
          `    with engine.connect() as connection:\n${lines}`,
        );
    // the recipe of Alembic's cookbook ("Rudimentary Multi-Tenant Support"), the tenant given with -x
    writeFileSync(
      envPath,
      withSearchPath(
        [
          '        tenant = context.get_x_argument(as_dictionary=True).get("tenant")',
          '        connection.execute(text(\'set search_path to "%s"\' % tenant))',
          '        if hasattr(connection, "commit"):',
          '            connection.commit()',
          '        connection.dialect.default_schema_name = tenant',
          '',
        ].join('\n'),
      ),
    );
    const alembic = (tenant: string): { rc: number; out: string } => {
      const r = runAlembicUpgrade(dir, db, 'head', ['-x', `tenant=${tenant}`]);
      return { rc: r.rc, out: r.stdout + r.stderr };
    };
    // public.alembic_version is at head, so reading it would be an all-clear for tenant_a, which Alembic fails on
    const unknown = cli(dir, ['verify'], { DATABASE_URL: db });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr + unknown.stdout).toContain(
      `migrations/env.py:20: migrations/env.py sets PostgreSQL's search_path itself ('set search_path to "%s"')`,
    );
    expect(unknown.stderr + unknown.stdout).toContain('--version-table-schema');
    const a = cli(dir, ['verify', '--format', 'json', '--version-table-schema', 'tenant_a'], {
      DATABASE_URL: db,
    });
    expect(a.status).toBe(1);
    const doc = JSON.parse(a.stdout);
    expect(doc.database.stamps).toMatchObject([{ value: 'guest_lockout_001', how: 'failed' }]);
    const realA = alembic('tenant_a');
    expect(realA.rc).not.toBe(0);
    expect(realA.out).toContain(doc.prediction.cliOutput);
    expect(cli(dir, ['verify', '--version-table-schema', 'public'], { DATABASE_URL: db }).status).toBe(0);
    expect(alembic('public').rc).toBe(0);

    // a literal search_path names the schema: no flag needed, and the output says where it came from
    writeFileSync(
      envPath,
      withSearchPath('        connection.execute(text("SET search_path TO tenant_a"))\n'),
    );
    const literal = cli(dir, ['verify', '--format', 'json'], { DATABASE_URL: db });
    expect(literal.status).toBe(1);
    const lit = JSON.parse(literal.stdout);
    expect(lit.database.settings).toEqual([
      "version_table_schema='tenant_a' from the search_path set at migrations/env.py:19",
    ]);
    expect(lit.database.stamps).toMatchObject([{ value: 'guest_lockout_001', how: 'failed' }]);
    const realLiteral = runAlembicUpgrade(dir, db, 'head');
    expect(realLiteral.rc).not.toBe(0);
    expect(realLiteral.stdout + realLiteral.stderr).toContain(lit.prediction.cliOutput);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a version table whose name and schema hold quotes and backslashes, whatever standard_conforming_strings says', async () => {
    // the table's description is asked for in the same round trip as the settings, with the names as literals
    const s: Scenario = { name: 'odd-names', revs: LINEAR, rows: ['bbb222'] };
    const dir = writeScenarioProject(s);
    const db = await prepareDatabase(s, 'postgresql', dir, {
      adminUrl: pg.url,
      urlFor: (name) => pg.urlFor(name),
      index: 905,
    });
    const schema = "te'n\\ant";
    const table = 'ver\\\'sion"s';
    const q = (n: string): string => `"${n.replaceAll('"', '""')}"`;
    await pgExec(db, [
      `CREATE SCHEMA ${q(schema)}`,
      `CREATE TABLE ${q(schema)}.${q(table)} (version_num varchar(32) NOT NULL PRIMARY KEY)`,
      `INSERT INTO ${q(schema)}.${q(table)} VALUES ('guest_lockout_001')`,
      // a decoy a literal cut short at the backslash would find
      `CREATE TABLE ${q(schema)}.${q('ver')} (version_num varchar(32) NOT NULL PRIMARY KEY)`,
    ]);
    const read = (): Record<string, unknown> => {
      const r = cli(
        dir,
        ['verify', '--format', 'json', '--version-table', table, '--version-table-schema', schema],
        { DATABASE_URL: db },
      );
      expect(r.status).toBe(1);
      return JSON.parse(r.stdout).database;
    };
    expect(read()).toMatchObject({
      versionTable: table,
      stamps: [{ value: 'guest_lockout_001', how: 'failed' }],
    });
    await pgExec(
      pg.url,
      `ALTER DATABASE ${q(new URL(db).pathname.slice(1))} SET standard_conforming_strings = off`,
    );
    expect(read()).toMatchObject({
      versionTable: table,
      stamps: [{ value: 'guest_lockout_001', how: 'failed' }],
    });
    // the same names unqualified: not on the search_path, so no table (a new database to Alembic)
    const unqualified = cli(dir, ['verify', '--format', 'json', '--version-table', table], {
      DATABASE_URL: db,
    });
    expect(JSON.parse(unqualified.stdout).database).toMatchObject({
      versionTableExists: false,
      state: 'uninitialised',
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the parts a URL leaves out from PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD, as libpq does for Alembic', () => {
    const u = new URL(url);
    const env = {
      PGHOST: u.hostname,
      PGPORT: u.port,
      PGDATABASE: u.pathname.slice(1),
      PGUSER: decodeURIComponent(u.username),
      PGPASSWORD: TEST_PASSWORD,
    };
    for (const partial of [
      'postgresql://',
      `postgres:///${env.PGDATABASE}`,
      `postgresql://${env.PGUSER}@/${env.PGDATABASE}`,
    ]) {
      const r = cli(root, ['verify', '--format', 'json'], { DATABASE_URL: partial, ...env });
      expect(r.status, r.stderr).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.database).toMatchObject({ host: `${env.PGHOST}:${env.PGPORT}`, database: env.PGDATABASE });
      expect(doc.prediction.cliOutput).toBe(
        "FAILED: Can't locate revision identified by 'guest_lockout_001'",
      );
      expect(r.stdout + r.stderr).not.toContain(TEST_PASSWORD);
      // real Alembic, given the same URL and environment, reads the same database and fails the same way
      const alembic = runAlembicUpgrade(root, partial, 'head', [], env);
      expect(alembic.rc, partial).not.toBe(0);
      expect(alembic.stderr).toContain("Can't locate revision identified by 'guest_lockout_001'");
    }
    // what the URL says wins over the environment
    const wrong = cli(root, ['verify', '--format', 'json'], {
      DATABASE_URL: url,
      ...env,
      PGDATABASE: 'no_such_database',
    });
    expect(JSON.parse(wrong.stdout).database.database).toBe(env.PGDATABASE);
  });

  it("loads the driver without Node's fetch stack and leaves no global behind", () => {
    // pg 8 probes for Cloudflare Workers by constructing a fetch Response when
    // there is no global navigator, which costs ~35 ms of every verify on Node 20
    const dir = mkdtempSync(path.join(tmpdir(), 'preflight-probe-'));
    try {
      const probe = path.join(dir, 'probe.cjs');
      writeFileSync(
        probe,
        "const native = typeof globalThis.navigator;\nprocess.on('exit', () => process.stderr.write('PROBE ' + JSON.stringify({ undici: process.moduleLoadList.some((m) => m.includes('undici')), navigator: typeof globalThis.navigator, native }) + '\\n'));\n",
      );
      const r = cli(
        root,
        ['verify', '--format', 'json'],
        { DATABASE_URL: url },
        { node: ['--require', probe] },
      );
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).database.stamps[0].value).toBe('guest_lockout_001');
      const seen = JSON.parse(/^PROBE (.*)$/mu.exec(r.stderr)![1]!);
      expect(seen.undici).toBe(false);
      expect(seen.navigator).toBe(seen.native);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works on a hot standby (read-only replica)', async () => {
    if (!pg.startStandby) return expect(pg.startStandby).toBeDefined();
    const standby = await pg.startStandby();
    try {
      const surl = standby.urlFor('matrix_900');
      // wait until the standby has replayed the primary's state
      for (let i = 0; i < 50; i++) {
        try {
          if ((await pgExec(surl, 'SELECT count(*) FROM alembic_version'))[0]![0] === '1') break;
        } catch {
          // not there yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = cli(root, ['verify', '--format', 'json'], { DATABASE_URL: surl });
      expect(r.status, r.stderr).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.database.server.inRecovery).toBe(true);
      expect(doc.prediction.cliOutput).toBe(
        "FAILED: Can't locate revision identified by 'guest_lockout_001'",
      );
      expect(unwrapped(cli(root, ['verify'], { DATABASE_URL: surl }).stdout)).toContain(
        'hot standby (read-only)',
      );
    } finally {
      await standby.stop();
    }
  }, 120_000);

  it('retries transient failures with backoff, then names the class', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = cli(root, ['verify', '--connect-retries', '2', '--log-format', 'json'], {
      DATABASE_URL: `postgresql://preflight:${TEST_PASSWORD}@127.0.0.1:${port}/db`,
      ALEMBIC_PREFLIGHT_LOG_LEVEL: 'info',
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('Connection refused');
    expect(r.stderr).toContain('gave up after 3 attempts');
    expect(r.stderr.match(/"event":"db.retry"/gu)).toHaveLength(2);
    // with backoff: each retry waits longer than the one before
    const delays = [...r.stderr.matchAll(/"delayMs":(\d+)/gu)].map((m) => Number(m[1]));
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThan(0);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
  });

  describe('never leaks the password or the URL', () => {
    let blackhole: net.Server;
    let blackholePort: number;
    beforeAll(async () => {
      await pgExec(pg.url, [
        `CREATE ROLE reader LOGIN PASSWORD '${TEST_PASSWORD}'`,
        'CREATE DATABASE otherdb',
      ]);
      blackhole = net.createServer(() => undefined);
      await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
      blackholePort = (blackhole.address() as net.AddressInfo).port;
    });
    afterAll(() => blackhole?.close());

    const pw = encodeURIComponent(TEST_PASSWORD);
    const cases: { name: string; url: () => string; args?: string[]; status: number; says: RegExp }[] = [
      {
        name: 'DNS',
        url: () => `postgres://preflight:${pw}@no-such-host.invalid:5432/db`,
        status: 3,
        says: /DNS: cannot resolve/,
      },
      {
        name: 'refused',
        url: () => `postgres://preflight:${pw}@127.0.0.1:1/db`,
        status: 3,
        says: /Connection refused/,
      },
      {
        name: 'timeout',
        url: () => `postgres://preflight:${pw}@127.0.0.1:${blackholePort}/db`,
        args: ['--connect-timeout', '1'],
        status: 3,
        says: /Timed out/,
      },
      {
        name: 'auth',
        url: () => `postgres://preflight:${pw}x@127.0.0.1:${pg.port}/postgres`,
        status: 3,
        says: /Authentication failed as user 'preflight'/,
      },
      {
        name: 'missing database',
        url: () => `postgres://preflight:${pw}@127.0.0.1:${pg.port}/nope_db`,
        status: 3,
        says: /database 'nope_db' does not exist/,
      },
      {
        name: 'permission',
        url: () => pg.urlFor('matrix_900').replace('preflight:', 'reader:'),
        status: 3,
        says: /Permission denied as user 'reader'/,
      },
      {
        name: 'TLS refused by a server without TLS',
        url: () => `postgres://preflight:${pw}@127.0.0.1:${pg.port}/postgres?sslmode=require`,
        status: 3,
        says: /TLS failed with sslmode=require/,
      },
      {
        name: 'malformed port',
        url: () => `postgres://preflight:${pw}@127.0.0.1:port/postgres`,
        status: 2,
        says: /invalid port/,
      },
      {
        name: "MySQL with an option its driver's connect() refuses",
        url: () => `mysql://preflight:${pw}@127.0.0.1/db?reconnect=true`,
        status: 2,
        says: /reconnect= is not an argument mysqlclient's connect\(\) takes/,
      },
      {
        name: 'MySQL, nothing listening',
        url: () => `mysql+pymysql://preflight:${pw}@127.0.0.1:1/db`,
        status: 3,
        says: /Connection refused by 127\.0\.0\.1:1/,
      },
    ];
    it('a URL typed where a flag was expected (yargs echoes it) shows without its password, as SQLAlchemy renders it', () => {
      const u = `postgres://preflight:${pw}@db.example.com:5432/prod`;
      for (const args of [
        ['verify', u],
        ['verify', '--format', 'json', u],
        ['verify', `--database-url=${u}`, '--bogus'],
      ]) {
        const r = cli(root, args);
        expect(r.status).toBe(2);
        const all = r.stdout + r.stderr;
        if (args.at(-1) === u)
          expect(all).toContain('Unknown argument: postgres://preflight:***@db.example.com:5432/prod');
        expect(all).not.toContain(TEST_PASSWORD);
        expect(all).not.toContain(pw);
      }
    });

    for (const c of cases) {
      for (const format of ['text', 'json']) {
        it(`${c.name} (${format})`, () => {
          const u = c.url();
          const r = cli(root, ['verify', '--connect-retries', '0', '--format', format, ...(c.args ?? [])], {
            DATABASE_URL: u,
            ALEMBIC_PREFLIGHT_LOG_LEVEL: 'debug',
          });
          expect(r.status, r.stderr).toBe(c.status);
          const all = r.stdout + r.stderr;
          expect(all).toMatch(c.says);
          expect(all).not.toContain(TEST_PASSWORD);
          expect(all).not.toContain(pw);
          expect(all).not.toContain(u);
          if (format === 'json') expect(JSON.parse(r.stdout).error.hint).toBeTruthy();
        }, 30_000);
      }
    }
  });
});

describe('TLS (a cluster with ssl=on and a self-signed certificate)', () => {
  let pg: PgServer;
  let root: string;
  beforeAll(async () => {
    pg = await startPostgres({ ssl: true });
    root = writeScenarioProject({ name: 'tls', revs: LINEAR, rows: [] });
    await pgExec(pg.url, [
      'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)',
      "INSERT INTO alembic_version VALUES ('aaa111')",
    ]);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const at = (host: string, q: string): string =>
    `postgres://preflight:${encodeURIComponent(TEST_PASSWORD)}@${host}:${pg.port}/postgres${q}`;

  it('sslmode=require connects encrypted without verifying', () => {
    const r = cli(root, ['verify', '--format', 'json'], {
      DATABASE_URL: at('127.0.0.1', '?sslmode=require'),
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).database.tls).toEqual({ mode: 'require', encrypted: true, verified: false });
  });

  it('verify-full without the CA fails with a clear TLS message', () => {
    const r = cli(root, ['verify', '--ssl', 'verify-full'], { DATABASE_URL: at('localhost', '') });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(
      /TLS failed with sslmode=verify-full \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/u,
    );
    expect(r.stderr).toContain('--ssl-ca FILE');
    expect(r.stderr).not.toContain(TEST_PASSWORD);
  });

  it('verify-full with --ssl-ca verifies the chain and the host name', () => {
    const ok = cli(root, ['verify', '--ssl', 'verify-full', '--ssl-ca', pg.caFile!, '--format', 'json'], {
      DATABASE_URL: at('localhost', ''),
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).database.tls).toEqual({
      mode: 'verify-full',
      encrypted: true,
      verified: true,
    });
    // the certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca accepts
    const wrongName = cli(root, ['verify', '--ssl', 'verify-full', '--ssl-ca', pg.caFile!], {
      DATABASE_URL: at('127.0.0.1', ''),
    });
    expect(wrongName.status).toBe(3);
    expect(wrongName.stderr).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/u);
    const ca = cli(root, ['verify', '--ssl', 'verify-ca', '--ssl-ca', pg.caFile!], {
      DATABASE_URL: at('127.0.0.1', ''),
    });
    expect(ca.status, ca.stderr).toBe(0);
  });

  it('the default for a local host (prefer) uses TLS when the server offers it', () => {
    const r = cli(root, ['verify', '--format', 'json'], { DATABASE_URL: at('127.0.0.1', '') });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).database.tls).toMatchObject({ mode: 'prefer', encrypted: true });
  });
});
