import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ORACLE_PYTHON, oracleEnv, REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

const APP = 'examples/heroku-app';

/** The example app, its SQLite database upgraded to head by real Alembic. */
function example(): string {
  const root = tempDir('preflight-downgrade-');
  cpSync(path.join(REPO, APP), root, { recursive: true });
  const r = alembic(root, 'app.db', 'upgrade', 'head');
  expect(r.status, r.stderr).toBe(0);
  return root;
}

function alembic(
  root: string,
  db: string,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string; last: string } {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: oracleEnv({
      PATH: process.env.PATH ?? '',
      DATABASE_URL: `sqlite:///${db}`,
      PYTHONDONTWRITEBYTECODE: '1',
    }),
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    last: `${r.stdout}\n${r.stderr}`.trim().split('\n').at(-1) ?? '',
  };
}

const rows = (root: string, db: string): string[] => {
  const d = new Database(path.join(root, db), { readonly: true });
  try {
    return (d.prepare('SELECT version_num FROM alembic_version').raw().all() as string[][])
      .map((x) => x[0]!)
      .sort();
  } finally {
    d.close();
  }
};

interface Predicted {
  ok: boolean;
  steps: { revision: string; rowsAfter: string[] }[];
  finalRows: string[] | null;
  alembicError: string | null;
}

describe('verify --downgrade and relative --target, against real Alembic on SQLite', () => {
  it.each([
    '-1',
    '-2',
    '-3',
    '-4',
    'base',
    '1f2a3b4c5d6e',
    '2a3b4c5d6e7f',
    '2a3b4c5d6e7f-1',
    '1f2a3b4c5d6e+1',
    '+1',
    'zzz',
    '1f2a:2a3b',
    'head-1',
  ])(
    'alembic downgrade %s',
    (target) => {
      const root = example();
      const ours = runCli(root, ['verify', '--format', 'json', `--downgrade=${target}`], {
        DATABASE_URL: 'sqlite:///app.db',
      });
      const predicted = JSON.parse(ours.stdout) as Predicted;
      // verify only reads
      expect(rows(root, 'app.db')).toEqual(['2a3b4c5d6e7f']);
      copyFileSync(path.join(root, 'app.db'), path.join(root, 'real.db'));
      const real = alembic(root, 'real.db', 'downgrade', target);
      expect(predicted.ok, `${target}: ${real.last}`).toBe(real.status === 0);
      expect(ours.status).toBe(real.status === 0 ? 0 : 1);
      if (real.status === 0) {
        expect(predicted.finalRows).toEqual(rows(root, 'real.db'));
        // Alembic logs each step it runs: "Running downgrade 2a3b4c5d6e7f -> 1f2a3b4c5d6e"
        const ran = [...real.stderr.matchAll(/Running downgrade (\S+) ->/gu)].map((m) => m[1]);
        expect(predicted.steps.map((s) => s.revision)).toEqual(ran);
      } else {
        expect(predicted.alembicError).toBe(
          real.last
            .replace(/^ERROR \[alembic\.util\.messaging\] /u, 'FAILED: ')
            .replace(/^FAILED: FAILED: /u, 'FAILED: '),
        );
      }
    },
    30_000,
  );

  it.each([
    ['1f2a3b4c5d6e', '+1'],
    ['1f2a3b4c5d6e', '+2'],
    ['1f2a3b4c5d6e', '-1'],
    ['2a3b4c5d6e7f', '1f2a3b4c5d6e+1'],
    ['1f2a3b4c5d6e', 'base+1'],
  ])(
    'from %s, alembic upgrade %s',
    (from, target) => {
      const root = example();
      expect(alembic(root, 'app.db', 'downgrade', from).status).toBe(0);
      const ours = runCli(root, ['verify', '--format', 'json', `--target=${target}`], {
        DATABASE_URL: 'sqlite:///app.db',
      });
      const doc = JSON.parse(ours.stdout) as {
        ok: boolean;
        alembicError: string | null;
        prediction?: { steps: { revision: string }[] };
      };
      const real = alembic(root, 'app.db', 'upgrade', target);
      expect(ours.status === 0, `${target}: ours ${ours.stdout.slice(0, 400)}; real ${real.last}`).toBe(
        real.status === 0,
      );
      if (real.status !== 0)
        expect(doc.alembicError).toBe(real.last.replace(/^ERROR \[alembic\.util\.messaging\] /u, 'FAILED: '));
    },
    30_000,
  );
});
