import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';
import { exampleCopy, exampleIncident } from '../helpers/example-db.js';
import { pgExec, startPostgres } from '../helpers/pg-cluster.js';
import { buildAction } from '../../scripts/build-action.mjs';

interface Step {
  name: string;
  shell: string;
  run: string;
  'working-directory'?: string;
  env?: Record<string, string>;
}

/** The example app; `stamped`: its SQLite database hand-stamped with guest_lockout_001. */
function exampleApp(stamped: boolean): string {
  return stamped ? exampleIncident() : exampleCopy();
}

/** `${{ inputs.x }}` and `${{ github.action_path }}` as GitHub fills them in. */
function expand(text: string, inputs: Record<string, string>, actionPath: string): string {
  return text.replace(
    /\$\{\{\s*(inputs\.([\w-]+)|github\.action_path)\s*\}\}/gu,
    (_m, _all: string, input: string | undefined) =>
      input === undefined ? actionPath : (inputs[input] ?? ''),
  );
}

describe('the composite GitHub Action (action.yml)', () => {
  it('runs from its own checkout with nothing installed, then annotates, summarises and fails on what blocks', async () => {
    const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as {
      runs: { using: string; steps: Step[] };
      inputs: Record<string, { default?: string }>;
    };
    expect(action.runs.using).toBe('composite');
    // nothing to install at run time: the committed action/cli.cjs carries its dependencies
    expect(action.runs.steps.map((s) => s.run).join('\n')).not.toMatch(/\bnpm\b|\bnpx\b/u);
    // the action's checkout, as GitHub downloads it: the repository's files, nothing built or installed
    const checkout = tempDir('preflight-action-');
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const f of tracked) {
      if (!existsSync(path.join(REPO, f))) continue;
      mkdirSync(path.dirname(path.join(checkout, f)), { recursive: true });
      cpSync(path.join(REPO, f), path.join(checkout, f));
    }
    expect(existsSync(path.join(checkout, 'node_modules'))).toBe(false);
    const runnerTemp = tempDir('preflight-runner-');
    const run = (
      step: Step,
      inputs: Record<string, string>,
      cwd: string,
      summary: string,
    ): Promise<{ status: number | null; stdout: string; stderr: string }> => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        GITHUB_ACTION_PATH: checkout,
        RUNNER_TEMP: runnerTemp,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_ACTIONS: 'true',
        ALEMBIC_PREFLIGHT_CACHE: 'off',
      };
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expand(v, inputs, checkout);
      const dir = step['working-directory']
        ? path.resolve(cwd, expand(step['working-directory'], inputs, checkout))
        : cwd;
      return new Promise((resolve, reject) => {
        const child = spawn('bash', ['-e', '-c', expand(step.run, inputs, checkout)], { cwd: dir, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    };
    const defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? '']));
    expect(action.runs.steps).toHaveLength(1);
    const checkStep = action.runs.steps[0]!;

    // a clean project: green, and a summary that says so
    const clean = exampleApp(false);
    const cleanSummary = path.join(runnerTemp, 'summary-clean.md');
    const ok = await run(checkStep, { ...defaults, 'working-directory': '.' }, clean, cleanSummary);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(readFileSync(cleanSummary, 'utf8')).toMatch(/^## alembic-preflight check: ✅ OK/u);

    // the incident's database (PostgreSQL, hand-stamped), given as the database-url input: annotations, two summaries, exit 1
    const pg = await startPostgres();
    try {
      await pgExec(pg.url, ['DROP DATABASE IF EXISTS action_incident', 'CREATE DATABASE action_incident']);
      const url = pg.urlFor('action_incident');
      await pgExec(url, [
        'CREATE TABLE alembic_version (version_num varchar(32) primary key)',
        "INSERT INTO alembic_version VALUES ('guest_lockout_001')",
      ]);
      const summary = path.join(runnerTemp, 'summary-stamped.md');
      const blocked = await run(
        checkStep,
        { ...defaults, 'database-url': url, args: '--strict' },
        exampleApp(false),
        summary,
      );
      expect(blocked.status, blocked.stdout + blocked.stderr).toBe(1);
      // the page's address is absolute: a relative one would point into the app's own repository
      expect(blocked.stdout).toMatch(
        /^::error title=stamped-revision-missing \(alembic-preflight explain stamped-revision-missing\)::Stamped 'guest_lockout_001', which no migration file defines\. `alembic upgrade head` will stop/mu,
      );
      const written = readFileSync(summary, 'utf8');
      expect(written).toMatch(/^## alembic-preflight check: /mu);
      expect(written).toMatch(/^## alembic-preflight verify: ❌ BLOCKED/mu);
    } finally {
      await pg.stop();
    }
  }, 600_000);

  it('runs the committed action/cli.cjs, which is what npm run build:action writes from this source', async () => {
    const fresh = path.join(tempDir('preflight-action-build-'), 'cli.cjs');
    await buildAction(fresh);
    expect(
      readFileSync(fresh).equals(readFileSync(path.join(REPO, 'action', 'cli.cjs'))),
      'action/cli.cjs is stale: run npm run build:action',
    ).toBe(true);
  });
});

describe('the pre-commit hook (.pre-commit-hooks.yaml)', () => {
  const hooks = parse(readFileSync(path.join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as {
    id: string;
    entry: string;
    language: string;
    files: string;
    pass_filenames: boolean;
  }[];
  const hook = hooks.find((h) => h.id === 'alembic-preflight-check')!;

  it('runs on the files that change the graph, and only those', () => {
    expect(hook.language).toBe('node');
    expect(hook.pass_filenames).toBe(false);
    const files = new RegExp(hook.files, 'u');
    for (const f of [
      'migrations/versions/1f2a_create_users.py',
      'db/migrations/versions/x.py',
      'alembic.ini',
      'migrations/env.py',
      'pyproject.toml',
    ])
      expect(files.test(f), f).toBe(true);
    for (const f of ['app/models.py', 'README.md', 'migrations/script.py.mako'])
      expect(files.test(f), f).toBe(false);
  });

  it('runs its entry as pre-commit does (the package bin on PATH, no file names): 0 when clean, 1 when a commit breaks the graph', () => {
    const bin = tempDir('preflight-hookbin-');
    // what `language: node` puts on PATH: the package's bin
    writeFileSync(
      path.join(bin, 'alembic-preflight'),
      `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
      { mode: 0o755 },
    );
    const runHook = (cwd: string): number | null =>
      spawnSync('sh', ['-c', hook.entry], {
        cwd,
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          HOME: process.env.HOME ?? '',
          ALEMBIC_PREFLIGHT_CACHE: 'off',
        },
      }).status;
    const app = exampleApp(false);
    expect(runHook(app)).toBe(0);
    // a second head: the commit would make `alembic upgrade head` fail
    const versions = path.join(app, 'migrations/versions');
    writeFileSync(
      path.join(versions, '9z_second_head.py'),
      readFileSync(path.join(versions, '2a3b4c5d6e7f_add_guest_sessions.py'), 'utf8').replaceAll(
        '2a3b4c5d6e7f',
        '9f8e7d6c5b4a',
      ),
    );
    expect(runHook(app)).toBe(1);
  });
});
