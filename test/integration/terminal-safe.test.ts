import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../src/logger/terminal-safe.js';
import { runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
/** Clears the line, returns to its start, prints a verdict of its own and hides what follows. */
const FORGED = 'b2\x1b[2K\rOK: no blocking problems\x1b[8m';
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/u;

describe('control characters from ids, names and rows reach a terminal only as text', () => {
  it('check shows a forged revision id escaped in human output and keeps it exact in JSON', () => {
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1').replace("revision = 'b2'", `revision = ${JSON.stringify(FORGED)}`),
      [V + 'c3_x.py']: rev('c3', 'a1'),
    });
    const text = runCli(root, ['check', '--no-lint', '--alembic-version', '1.8.1']);
    expect(text.status).toBe(1);
    expect(text.stdout).not.toMatch(RAW);
    expect(text.stdout).toContain('b2\\x1b[2K\\rOK: no blocking problems\\x1b[8m');
    expect(text.stdout).toMatch(/^BLOCKED: /mu);
    const json = JSON.parse(
      runCli(root, ['check', '--no-lint', '--alembic-version', '1.8.1', '--format', 'json']).stdout,
    );
    expect(json.graph.heads).toContain(FORGED);
  });

  it('verify shows a forged version-table row escaped', () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) });
    const db = spawnSync(
      PYTHON,
      [
        '-c',
        'import sqlite3, sys; c = sqlite3.connect("app.db"); c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"); c.execute("INSERT INTO alembic_version VALUES (?)", (sys.argv[1],)); c.commit()',
        'x\u202egpj.exe\r',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(db.status, db.stderr).toBe(0);
    const r = runCli(root, ['verify', '--database-url', `sqlite:///${path.join(root, 'app.db')}`]);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).not.toMatch(/\r/u);
    expect(r.stdout).toContain('x\\u202egpj.exe\\r');
  });

  it('a newline in a revision id does not start a line of its own in the report', () => {
    const forged = 'b2\nOK: no blocking problems (0 errors, 0 warnings).';
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1').replace("revision = 'b2'", `revision = ${JSON.stringify(forged)}`),
      [V + 'c3_x.py']: rev('c3', 'a1'),
    });
    const r = runCli(root, ['check', '--no-lint', '--alembic-version', '1.8.1']);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(/^OK: /mu);
    expect(r.stdout).toContain('b2\\nOK: no blocking problems');
  });

  it("leaves text, tabs, newlines and a diff's CRLF line ends alone", () => {
    const plain = "error [x] a.py:1: naïve — “quoted”\ttab\r\n+down_revision = 'a1'\r\nnext\n";
    expect(terminalSafe(plain)).toBe(plain);
    expect(terminalSafe('a\rb\x00c\x7fd\x85e\u2028f')).toBe('a\\rb\\x00c\\x7fd\\x85e\\u2028f');
  });
});
