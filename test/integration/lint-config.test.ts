import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_INI, makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';
/** One graph warning (file name) and two lint findings: empty-downgrade (warning) and execute-with-params-argument (error). */
const project = (): string =>
  makeProject({
    [V + 'a1_x.py']: migration('a1', null, "op.add_column('t', sa.Column('x', sa.Integer()))", 'pass'),
    [V + 'zz_misnamed.py']: migration(
      'b2',
      'a1',
      'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})',
      "op.execute('UPDATE t SET x = NULL')",
    ),
  });
const json = (
  root: string,
  ...args: string[]
): { status: number; codes: string[]; findings: { code: string; severity: string }[]; stderr: string } => {
  const r = runCli(root, ['check', '--format', 'json', ...args]);
  const doc = r.stdout ? JSON.parse(r.stdout) : { findings: [] };
  return {
    status: r.status,
    codes: (doc.findings ?? []).map((f: { code: string }) => f.code).sort(),
    findings: doc.findings ?? [],
    stderr: r.stderr,
  };
};

describe('lints through the CLI', () => {
  it('run by default, and --no-lint / --lint-only split them from the graph rules', () => {
    const root = project();
    const all = json(root);
    expect(all.status).toBe(1);
    expect(all.codes).toEqual(['empty-downgrade', 'execute-with-params-argument', 'filename-convention']);
    expect(json(root, '--no-lint').codes).toEqual(['filename-convention']);
    expect(json(root, '--no-lint').status).toBe(0);
    expect(json(root, '--lint-only').codes).toEqual(['empty-downgrade', 'execute-with-params-argument']);
    expect(json(root, '--lint-only', '--no-lint').status).toBe(2);
  });

  it('take severities and path/revision ignores from pyproject.toml', () => {
    const root = project();
    writeFileSync(
      path.join(root, 'pyproject.toml'),
      [
        '[tool.alembic-preflight.rules]',
        'execute-with-params-argument = "warning"',
        '',
        '[[tool.alembic-preflight.ignore]]',
        'rule = "empty-downgrade"',
        'path = "migrations/**/a1_*.py"',
        'reason = "never rolled back"',
        '',
        '[[tool.alembic-preflight.ignore]]',
        'rule = "filename-convention"',
        'revision = "b2"',
        'reason = "historic name"',
        '',
      ].join('\n'),
    );
    const r = json(root);
    expect(r.findings.map((f) => `${f.code}:${f.severity}`)).toEqual([
      'execute-with-params-argument:warning',
    ]);
    expect(r.status).toBe(0);
    expect(json(root, '--strict').status).toBe(1);
  });

  it('take settings from alembic.ini [alembic-preflight] too', () => {
    const root = project();
    writeFileSync(
      path.join(root, 'alembic.ini'),
      `${DEFAULT_INI}\n[alembic-preflight]\nrule.execute-with-params-argument = off\nignore =\n    empty-downgrade revision=a1 reason=data only\n`,
    );
    expect(json(root).codes).toEqual(['filename-convention']);
  });

  it('refuse unknown codes, bad severities and ignores without a reason (exit 2, never silently off)', () => {
    for (const toml of [
      '[tool.alembic-preflight.rules]\nempty-downgrad = "off"\n',
      '[tool.alembic-preflight.rules]\nempty-downgrade = "loud"\n',
      '[[tool.alembic-preflight.ignore]]\nrule = "empty-downgrade"\npath = "x.py"\n',
      '[tool.alembic-preflight]\nlintt = false\n',
    ]) {
      const root = project();
      writeFileSync(path.join(root, 'pyproject.toml'), toml);
      const r = runCli(root, ['check']);
      expect(r.status, toml).toBe(2);
      expect(r.stderr, toml).toMatch(/configuration error: pyproject\.toml \[tool\.alembic-preflight\]/);
      expect(r.stderr).not.toContain('    at ');
    }
  });

  it('--rules lists each rule with its state here', () => {
    const root = project();
    writeFileSync(
      path.join(root, 'pyproject.toml'),
      '[tool.alembic-preflight.rules]\nempty-downgrade = "off"\nautogenerate-marker-left = "on"\n',
    );
    const r = runCli(root, ['check', '--rules', '--format', 'json']);
    expect(r.status).toBe(0);
    const rows = new Map(
      (JSON.parse(r.stdout).rules as { code: string; state: string; kind: string }[]).map((x) => [x.code, x]),
    );
    expect(rows.get('empty-downgrade')).toMatchObject({ state: 'off', kind: 'lint' });
    expect(rows.get('autogenerate-marker-left')).toMatchObject({ state: 'warning', kind: 'lint' });
    expect(rows.get('multiple-heads')).toMatchObject({ state: 'error', kind: 'graph' });
    const text = runCli(root, ['check', '--rules']).stdout;
    expect(text).toContain('settings from pyproject.toml');
    expect(text).toMatch(/empty-downgrade\s+lint\s+off/);
  });
});
