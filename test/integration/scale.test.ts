import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { PYTHON } from '../helpers/oracle.js';
import { LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';
import type { ProjectModel } from '../../src/alembic/loading/project-model.js';
import { runVerify } from '../../src/check/run-verify.js';
import type { VersionTableState } from '../../src/database/version-table.js';
import { verifyJson } from '../../src/report/json-report.js';
import { verifyText } from '../../src/report/text-report.js';
import { loadProject } from '../../src/alembic/loading/project-model.js';
import { growthRatio, LINEAR_BOUND } from '../helpers/growth.js';
import { makeProject, rev } from '../helpers/project.js';
import { diskFiles } from '../../src/project/project-files.js';

/** A version table of n rows, none of which any file defines (what a hand-filled or corrupted table looks like). */
function state(n: number): VersionTableState {
  const rows = Array.from({ length: n }, (_, i) => `r${String(i).padStart(6, '0')}`);
  return {
    dialect: 'sqlite',
    host: null,
    database: 'app.db',
    versionTable: 'alembic_version',
    versionTableSchema: null,
    foundInSchema: 'main',
    exists: true,
    rows,
    columnLength: null,
    server: null,
    tls: null,
  };
}

function cli(
  cwd: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: 'sqlite:///app.db' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('a version table of hundreds of thousands of rows', () => {
  let model: ProjectModel;
  const verdict = (n: number) => {
    const result = runVerify(model, state(n), 'head');
    return {
      result,
      text: verifyText(result, [], '$DATABASE_URL'),
      json: JSON.stringify(verifyJson(result, [], '$DATABASE_URL')),
    };
  };

  it('200,000 rows in a real SQLite table: every row reported, in text and JSON, without overflowing the stack', async () => {
    // in a child process: 200,000 findings take seconds of one synchronous run, which would stall this
    // test worker's link to vitest
    const root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
    const made = spawnSync(PYTHON, [
      '-c',
      "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)')\nc.executemany('INSERT INTO alembic_version VALUES (?)', [('r%06d' % i,) for i in range(200000)])\nc.commit()",
      path.join(root, 'app.db'),
    ]);
    expect(made.status).toBe(0);
    const text = await cli(root, ['verify', '--no-git']);
    expect(text.status, text.stderr.slice(0, 500)).toBe(1);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toContain(
      "Can't locate revision identified by 'r000000'",
    );
    const json = await cli(root, ['verify', '--no-git', '--format', 'json']);
    expect(json.status).toBe(1);
    expect(
      (JSON.parse(json.stdout) as { findings: { code: string }[] }).findings.filter(
        (f) => f.code === 'stamped-revision-missing',
      ),
    ).toHaveLength(200_000);
  });

  it('costs grow linearly with the rows', async () => {
    model = await loadProject({
      files: diskFiles(),
      cwd: makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) }),
      alembicVersion: LATEST_ALEMBIC,
    });
    expect(growthRatio((n) => verdict(n), 500)).toBeLessThan(LINEAR_BOUND());
  });
});
