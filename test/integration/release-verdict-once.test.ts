import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { exampleIncident } from '../helpers/example-db.js';

// The merged log as Heroku shows it (stdout and stderr together): one verdict, the release's own line.
// The JSON and logfmt logs keep their release.verdict event for machines.

describe('release prints its verdict once', () => {
  const env = { DATABASE_URL: 'sqlite:///app.db', ALEMBIC_PREFLIGHT_CACHE: 'off' };

  it('a blocked release: one BLOCKED line in the merged text log, the last one', () => {
    const r = runCli(exampleIncident(), ['release'], env);
    expect(r.status).toBe(1);
    const merged = `${r.stdout}${r.stderr}`.trimEnd().split('\n');
    expect(merged.filter((l) => /\bBLOCKED\b/u.test(l))).toEqual([
      expect.stringMatching(
        /^alembic-preflight release: BLOCKED: `alembic upgrade head` will fail: Can't locate revision identified by 'guest_lockout_001'; Alembic was not started \(\d+\.\d s, exit 1\)$/u,
      ),
    ]);
    // the findings that explain it are still there
    expect(r.stdout).toContain("[stamped-revision-missing] stamped 'guest_lockout_001'");
  });

  it('the JSON and logfmt logs keep the release.verdict event', () => {
    const json = runCli(exampleIncident(), ['release', '--log-format', 'json'], env);
    const events = json.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event?: string; exitCode?: number });
    expect(events.filter((e) => e.event === 'release.verdict').map((e) => e.exitCode)).toEqual([1]);
    const logfmt = runCli(exampleIncident(), ['release', '--log-format', 'logfmt'], env);
    expect(logfmt.stderr.split('\n').filter((l) => l.includes('event=release.verdict'))).toHaveLength(1);
  });

  it('gives the same git evidence as verify in the same folder', () => {
    const root = exampleIncident();
    const gitLines = (out: string): string[] => out.split('\n').filter((l) => /^\s+git: /u.test(l));
    const verify = runCli(root, ['verify'], env);
    const release = runCli(root, ['release'], env);
    expect(gitLines(verify.stdout)).toEqual([
      '  git: Git history not searched: the project is not in a git work tree (a Heroku slug has none).',
    ]);
    expect(gitLines(release.stdout)).toEqual(gitLines(verify.stdout));
    expect(release.stdout).not.toContain('git log --all');
  });
});
