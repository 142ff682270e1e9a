import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { pgExec, startPostgres, type PgServer } from '../helpers/pg-cluster.js';
import { makeProject, rev } from '../helpers/project.js';

/**
 * Every error path of every command that connects, run once with each awkward password and once with a
 * control password: the outputs must be the same, character for character (timings aside). A password
 * that is an ordinary word (`data`, `postgres`), a digit, the user's or the database's own name, or one
 * holding `@ : / % #` or non-ASCII then cannot show anywhere, not even as stars where it would have stood.
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

  async function outputs(pw: string): Promise<Map<string, Run>> {
    await pgExec(pg.url, `ALTER ROLE ${ROLE} PASSWORD '${pw.replaceAll("'", "''")}'`);
    const jobs: [string, Promise<Run>][] = [];
    for (const [name, p] of Object.entries(paths(pw))) {
      for (const c of COMMANDS) {
        for (const format of c.formats) {
          const dash = c.args.indexOf('--');
          const own = dash < 0 ? c.args : c.args.slice(0, dash);
          const args = [
            ...own,
            '--format',
            format,
            '--connect-retries',
            '0',
            ...(dash < 0 ? [] : c.args.slice(dash)),
          ];
          jobs.push([
            `${name} | ${args.join(' ')}`,
            run(root, args, { DATABASE_URL: p.url, ALEMBIC_PREFLIGHT_LOG_LEVEL: 'debug' }),
          ]);
        }
      }
    }
    const out = new Map<string, Run>();
    // four at a time: the machine has two cores
    for (let i = 0; i < jobs.length; i += 4) {
      for (const [key, job] of jobs.slice(i, i + 4)) out.set(key, await job);
    }
    return out;
  }

  it('every path prints the same with each password as with a control one', async () => {
    const control = await outputs(CONTROL);
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
    for (const pw of PASSWORDS) {
      const got = await outputs(pw);
      for (const [key, r] of got) {
        const c = control.get(key)!;
        expect(normalize(r.out), `${pw}: ${key}`).toBe(normalize(c.out));
        expect(r.status, `${pw}: ${key}`).toBe(c.status);
      }
    }
  }, 600_000);
});
