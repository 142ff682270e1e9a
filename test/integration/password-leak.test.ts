import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { full } from '../helpers/full.js';
import { pgExec, startPostgres, type PgServer } from '../helpers/pg-cluster.js';
import { makeProject, rev } from '../helpers/project.js';

/**
 * Every error path of every command that connects, run once with each awkward password and once with a
 * control password: the outputs must be the same, character for character (timings aside). A password
 * that is an ordinary word (`data`, `postgres`), a digit, the user's or the database's own name, or one
 * holding `@ : / % #` or non-ASCII then cannot show anywhere, not even as stars where it would have stood.
 *
 * The CI sample (runsFor) keeps the control on all 49 runs, every awkward password on every path and every
 * command and format, and every path × command × format with some awkward password: 105 runs, not 441.
 * What it drops is each password on every pairing; PREFLIGHT_FULL=1 runs them all.
 */
const PASSWORDS = ['a', '1', 'data', 'postgres', 'probe', 'nodb', 'p@ss:w/rd%#x', 'pässwörd'];
const CONTROL = 'Zq9Kx7Wv3';
const ROLE = 'probe';

interface Run {
  readonly status: number | null;
  /** stdout, then stderr: each in its own order, which the two pipes do not keep between them. */
  readonly out: string;
}

/** One run; the result cache off, so that its debug line is the same in every run compared. */
function run(cwd: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ALEMBIC_PREFLIGHT_CACHE: 'off',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (status) => resolve({ status, out: `${stdout}\n--- stderr ---\n${stderr}` }));
  });
}

/** What differs between two runs of the same path whatever the password: timings and clocks. */
function normalize(text: string): string {
  return text
    .replace(/\(\d+\.\d s, exit/gu, '(T s, exit')
    .replace(/"time":\d+/gu, '"time":T')
    .replace(/time=\S+/gu, 'time=T')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/gu, 'ISO');
}

describe('no password reaches any output, by structure (real PostgreSQL)', () => {
  let pg: PgServer;
  let root: string;
  beforeAll(async () => {
    pg = await startPostgres();
    await pgExec(pg.url, [
      `DROP ROLE IF EXISTS ${ROLE}`,
      `CREATE ROLE ${ROLE} LOGIN PASSWORD '${CONTROL}'`,
      'DROP DATABASE IF EXISTS appdb',
      'CREATE DATABASE appdb',
      'DROP DATABASE IF EXISTS opendb',
      'CREATE DATABASE opendb',
    ]);
    // appdb: a version table the role may not read; opendb: one it may
    for (const db of ['appdb', 'opendb']) {
      await pgExec(pg.urlFor(db), [
        'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
        "INSERT INTO alembic_version VALUES ('guest_lockout_001')",
        `GRANT CONNECT ON DATABASE ${db} TO ${ROLE}`,
      ]);
    }
    await pgExec(pg.urlFor('opendb'), [`GRANT SELECT ON alembic_version TO ${ROLE}`]);
    await pgExec(pg.urlFor('appdb'), [`REVOKE ALL ON alembic_version FROM ${ROLE}`]);
    root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  /** Each path as a URL for password `pw` (the role's password is set to `pw` before these run). */
  const paths = (pw: string): Record<string, { url: string; extra?: string[] }> => {
    const enc = encodeURIComponent(pw);
    const at = (db: string, params = ''): string =>
      `postgres://${ROLE}:${enc}@127.0.0.1:${pg.port}/${db}${params}`;
    return {
      refused: { url: `postgres://${ROLE}:${enc}@127.0.0.1:1/appdb` },
      'wrong password': {
        url: `postgres://${ROLE}:${encodeURIComponent(`${pw}-wrong`)}@127.0.0.1:${pg.port}/appdb`,
      },
      'missing database': { url: at('nodb') },
      'permission denied': { url: at('appdb') },
      'TLS refused': { url: at('opendb', '?sslmode=require') },
      'read, blocked on the stamp': { url: at('opendb') },
      'malformed port': { url: `postgres://${ROLE}:${enc}@127.0.0.1:port/appdb` },
    };
  };

  const COMMANDS: { args: string[]; formats: string[] }[] = [
    { args: ['verify', '--no-git'], formats: ['text', 'json'] },
    { args: ['backfill', '--no-git'], formats: ['text', 'json'] },
    { args: ['restamp', '--from', 'guest_lockout_001', '--to', 'a1'], formats: ['text'] },
    { args: ['release', '--log-format', 'json'], formats: ['text'] },
    { args: ['release', '--log-format', 'logfmt', '--', 'true'], formats: ['text'] },
  ];

  /** Each command's argv in each of its formats. */
  const INVOCATIONS: string[][] = COMMANDS.flatMap((c) =>
    c.formats.map((format) => {
      const dash = c.args.indexOf('--');
      const own = dash < 0 ? c.args : c.args.slice(0, dash);
      return [...own, '--format', format, '--connect-retries', '0', ...(dash < 0 ? [] : c.args.slice(dash))];
    }),
  );

  /**
   * The runs for password number `k` (the control is -1: every path with every invocation). In CI each
   * awkward password runs every path once and every invocation once (path i with invocation
   * (i + k) mod n), so that across the passwords every path meets every invocation with one of them;
   * PREFLIGHT_FULL=1 runs every password on every path with every invocation.
   */
  function runsFor(k: number): (path: number, invocation: number) => boolean {
    if (k < 0 || full()) return () => true;
    return (i, j) => j === (i + k) % INVOCATIONS.length;
  }

  async function outputs(pw: string, k: number): Promise<Map<string, Run>> {
    await pgExec(pg.url, `ALTER ROLE ${ROLE} PASSWORD '${pw.replaceAll("'", "''")}'`);
    const keep = runsFor(k);
    const jobs: [string, () => Promise<Run>][] = [];
    Object.entries(paths(pw)).forEach(([name, p], i) =>
      INVOCATIONS.forEach((args, j) => {
        if (keep(i, j))
          jobs.push([
            `${name} | ${args.join(' ')}`,
            () => run(root, args, { DATABASE_URL: p.url, ALEMBIC_PREFLIGHT_LOG_LEVEL: 'debug' }),
          ]);
      }),
    );
    const out = new Map<string, Run>();
    // four at a time (the machine has two cores): each starts when its turn comes
    for (let i = 0; i < jobs.length; i += 4) {
      const batch = jobs.slice(i, i + 4);
      const done = await Promise.all(batch.map(([, start]) => start()));
      batch.forEach(([key], n) => out.set(key, done[n]!));
    }
    return out;
  }

  it('every path prints the same with each password as with a control one', async () => {
    const control = await outputs(CONTROL, -1);
    expect(control.size).toBe(Object.keys(paths(CONTROL)).length * INVOCATIONS.length);
    // the paths are what they say: each fails (or blocks) its own way
    const statuses = [...control].map(([k, r]) => `${k.split(' | ')[0]}: ${r.status}`);
    expect(statuses).toContain('refused: 3');
    expect(statuses).toContain('wrong password: 3');
    expect(statuses).toContain('missing database: 3');
    expect(statuses).toContain('permission denied: 3');
    expect(statuses).toContain('TLS refused: 3');
    expect(statuses).toContain('read, blocked on the stamp: 1');
    expect(statuses).toContain('malformed port: 2');
    expect([...control.values()].some((r) => r.out.includes("The database 'nodb' does not exist"))).toBe(
      true,
    );
    for (const r of control.values()) expect(r.out).not.toContain(CONTROL);
    const compared = new Set<string>();
    for (const [k, pw] of PASSWORDS.entries()) {
      const got = await outputs(pw, k);
      for (const [key, r] of got) {
        compared.add(key);
        const c = control.get(key)!;
        expect(normalize(r.out), `${pw}: ${key}`).toBe(normalize(c.out));
        expect(r.status, `${pw}: ${key}`).toBe(c.status);
      }
    }
    // every path with every invocation met an awkward password
    expect([...compared].sort()).toEqual([...control.keys()].sort());
  }, 600_000);
});
