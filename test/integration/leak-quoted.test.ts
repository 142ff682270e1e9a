import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { alembicOnPath } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

// passwords that end a naive URL pattern early: a quote, a backtick, a space
const SECRETS = ["LeakMe'x", 'Le"akMe', 'Leak`Me', 'Leak Me'];
const url = (pw: string): string => `postgres://admin:${pw}@db.example.com:5432/prod`;

/** Text the tool quotes (argv, Procfile lines, log lines) that carries a URL with a password. */
describe('credentials in what the tool quotes never reach its output', () => {
  it("release's running line and release-command-invalid quote argv without the password, in every log format", () => {
    for (const pw of SECRETS) {
      const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
      const db = path.join(root, 'app.db');
      writeFileSync(db, '');
      const env = {
        DATABASE_URL: `sqlite:///${db}`,
        PATH: `${alembicOnPath(tempDir())}:${process.env.PATH ?? ''}`,
      };
      for (const logFormat of ['text', 'json', 'logfmt']) {
        // a command Alembic refuses (an option after upgrade): release-command-invalid quotes it
        const refused = runCli(
          root,
          [
            'release',
            '--log-format',
            logFormat,
            '--log-level',
            'debug',
            '--',
            'alembic',
            '-x',
            `dburl=${url(pw)}`,
            'upgrade',
            '--bogus',
            'head',
          ],
          env,
        );
        expect(refused.stdout + refused.stderr, pw).not.toContain(pw);
        expect(refused.stdout, pw).toContain('dburl=postgres://admin:***@db.example.com:5432/prod');
        // a command that runs: the "running …" line quotes it
        const ran = runCli(
          root,
          ['release', '--log-format', logFormat, '--log-level', 'debug', '--', 'echo', `dburl=${url(pw)}`],
          env,
        );
        expect(ran.stdout, pw).toContain('running echo dburl=postgres://admin:***@db.example.com:5432/prod');
        expect(ran.stderr, pw).not.toContain(pw);
        // what echo printed is the command's own output, not ours: only our lines are checked
        expect(
          ran.stdout
            .split('\n')
            .filter((l) => l.startsWith('alembic-preflight'))
            .join('\n'),
          pw,
        ).not.toContain(pw);
      }
    }
  });

  it('a Procfile line quoted in a finding, in text and JSON', () => {
    // a quote or a blank changes how the shell splits the line; a plain password keeps it the command shown
    for (const pw of [...SECRETS, 'LeakMe9']) {
      const root = makeProject({
        'migrations/versions/a1_x.py': rev('a1', null),
        Procfile: `release: alembic -x dburl=${url(pw)} upgrade --bogus head\n`,
      });
      for (const format of ['text', 'json']) {
        const r = runCli(root, ['check', '--format', format]);
        expect(r.stdout + r.stderr, `${pw} ${format}`).not.toContain(pw);
        if (pw === 'LeakMe9')
          expect(r.stdout).toContain(
            'alembic -x dburl=postgres://admin:***@db.example.com:5432/prod upgrade --bogus head',
          );
      }
    }
  });

  it("scan-logs' matched lines, in text and JSON", () => {
    for (const pw of SECRETS) {
      const log = tempDir();
      const file = path.join(log, 'release.log');
      writeFileSync(
        file,
        `2025-10-01T10:00:00 app[release.1]: connecting to ${url(pw)}\n2025-10-01T10:00:01 app[release.1]: FAILED: Can't locate revision identified by 'guest_lockout_001' (url=${url(pw)})\n`,
      );
      for (const format of ['text', 'json']) {
        const r = runCli(log, ['scan-logs', file, '--format', format]);
        expect(r.status).toBe(1);
        expect(r.stdout + r.stderr, `${pw} ${format}`).not.toContain(pw);
        expect(r.stdout).toContain('guest_lockout_001');
      }
    }
  });
});
