import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../../src/commands/check/check-command.js';
import type { CheckResult } from '../../../src/check/run-check.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets } from '../../helpers/oracle.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

/** check as the CLI runs it: the Procfile's release line is read. */
async function viaCommand(root: string): Promise<CheckResult> {
  return (await checkCommand({ cwd: root, env: {}, lint: false, format: 'text' })).result;
}

function project(release: string, files: Record<string, string> = {}): string {
  return makeProject(
    { [V + 'a1_x.py']: rev('a1', null), Procfile: `release: ${release}\nweb: gunicorn app:app\n`, ...files },
    DEFAULT_INI,
  );
}

describeRule(
  'release-command-invalid',
  {
    // a Cyrillic с (U+0441) typed for -c: argparse takes it for an unknown option and alembic.ini for the command
    bad: () => project('alembic -\u0441 alembic.ini upgrade head'),
    good: () => project('alembic -c alembic.ini upgrade head'),
    run: viaCommand,
  },
  (f, r) => {
    expect(f.severity).toBe('error');
    expect(f.path).toBe('Procfile');
    expect(f.line).toBe(1);
    expect(f.alembicError).toMatch(/^alembic: error: argument \{.*\}: invalid choice: 'alembic\.ini'/u);
    expect(f.hint).toContain('U+0441');
    expect(r.ok).toBe(false);
  },
);

describe('release-command-invalid against real Alembic', () => {
  const cases: [string, RegExp | null][] = [
    ['alembic upgrade head -c alembic.ini', /^alembic: error: unrecognized arguments: -c alembic\.ini$/u],
    ['alembic upgrade', /required: revision/u],
    ['alembic upgrade head --sql', null],
    ['alembic --help upgrade head', null],
    ['python -m alembic -calembic.ini upgrade head 2>&1', null],
    ['alembic --conf alembic.ini upgrade head > /tmp/log', null],
  ];
  for (const [line, refused] of cases) {
    it(`release: ${line}`, async () => {
      const root = project(line);
      const f = (await viaCommand(root)).findings.find((x) => x.code === 'release-command-invalid');
      // what real Alembic does with the same words, in the project's folder (the redirection is the shell's)
      const argv = line
        .replace(/^(python -m )?alembic /u, '')
        .replace(/ (2>&1|> \S+)$/u, '')
        .split(' ');
      for (const t of alembicTargets()) {
        const real = alembicCommand(root, argv, t.env);
        if (refused) {
          expect(real.status).toBe(2);
          expect(real.last).toMatch(refused);
          expect(f?.alembicError).toMatch(refused);
        } else if (/--sql|--help/u.test(line)) {
          // Alembic exits 0 having migrated nothing
          expect(real.status).toBe(0);
          expect(f?.message).toMatch(/the release succeeds and the new code runs against the old schema/u);
        } else {
          expect(real.status).toBe(0);
          expect(f).toBeUndefined();
        }
      }
    });
  }

  it('moves an option of alembic itself before the command in the hint', async () => {
    const f = (await viaCommand(project('alembic upgrade head -c alembic.ini'))).findings.find(
      (x) => x.code === 'release-command-invalid',
    );
    expect(f?.hint).toContain('alembic -c alembic.ini upgrade head');
  });

  // options recognised as argparse recognises them (prefixes, attached values), upgrade's own kept in place
  for (const line of [
    'alembic upgrade head --conf alembic.ini',
    'alembic upgrade --tag v1 head -calembic.ini --raise',
    'alembic -n alembic upgrade head --config=alembic.ini -x k=v',
  ]) {
    it(`gives a command real Alembic runs for: ${line}`, async () => {
      const root = project(line);
      const f = (await viaCommand(root)).findings.find((x) => x.code === 'release-command-invalid');
      const fixed = /before the command: (.*)\.$/u.exec(f?.hint ?? '')?.[1];
      expect(fixed).toMatch(/^alembic .*upgrade /u);
      for (const t of alembicTargets()) {
        expect(alembicCommand(root, line.split(' ').slice(1), t.env).status).toBe(2);
        const real = alembicCommand(root, fixed!.split(' ').slice(1), t.env);
        expect({ fixed, status: real.status, last: real.last }).toMatchObject({ fixed, status: 0 });
      }
    });
  }

  it('reads the release script the Procfile runs', async () => {
    const root = project('bash bin/release.sh');
    mkdirSync(path.join(root, 'bin'));
    writeFileSync(path.join(root, 'bin', 'release.sh'), '#!/bin/bash\nset -e\nalembic upgrade head --tag\n');
    const f = (await viaCommand(root)).findings.find((x) => x.code === 'release-command-invalid');
    expect(f?.path).toBe('bin/release.sh');
    expect(f?.line).toBe(3);
    expect(f?.message).toContain('Procfile:1, at bin/release.sh:3');
    expect(f?.alembicError).toBe('alembic upgrade: error: argument --tag: expected one argument');
  });
});
