import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { generateCorpus } from '../helpers/corpus.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { tempDir } from '../helpers/temp-dir.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { seedSql } from '../helpers/data-matrix.js';
import { makeProject, migration, rev } from '../helpers/project.js';

// docs/json-schema.json is the contract of --format json: every document the CLI prints validates
// against it, and the schema is strict enough that a changed document does not.
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => {
  compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
};
const validate = new Ajv({ allErrors: true }).compile(
  JSON.parse(readFileSync(path.join(REPO, 'docs', 'json-schema.json'), 'utf8')) as object,
);

function documentOf(cwd: string, args: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const r = runCli(cwd, [...args, '--format', 'json'], env);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function expectValid(doc: Record<string, unknown>): void {
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
}

function example(): string {
  const dir = tempDir('json-schema-');
  cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
  // an empty file is an empty SQLite database: a new app's
  writeFileSync(path.join(dir, 'fresh.db'), '');
  return dir;
}

describe('the JSON documents follow docs/json-schema.json', () => {
  const pg = postgresForSuite();

  it('check on the example and on generated projects whose findings cover every severity', () => {
    expectValid(documentOf(example(), ['check']));
    const severities = new Set<string>();
    for (const [seed, extra] of [
      ['4', ['--traps', '0.3', '--extras']],
      ['3', ['--roots', '2', '--heads', '2']],
    ] as const) {
      const dir = tempDir('json-schema-corpus-');
      generateCorpus(dir, ['--n', '80', '--seed', seed, ...extra, '--force']);
      const doc = documentOf(dir, ['check']);
      expectValid(doc);
      for (const f of doc.findings as { severity: string }[]) severities.add(f.severity);
    }
    // info findings come from a database: pending migrations
    const pending = documentOf(example(), ['verify'], { DATABASE_URL: 'sqlite:///fresh.db' });
    expectValid(pending);
    for (const f of pending.findings as { severity: string }[]) severities.add(f.severity);
    expect([...severities].sort()).toEqual(['error', 'info', 'warning']);
  });

  it('verify on SQLite and PostgreSQL, and the error document', async () => {
    const root = example();
    expect(documentOf(root, ['verify'], { DATABASE_URL: 'sqlite:///fresh.db' }).command).toBe('verify');
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS schema_doc', 'CREATE DATABASE schema_doc']);
    const url = pg().urlFor('schema_doc');
    await pgExec(url, [
      'CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)',
      "INSERT INTO alembic_version VALUES ('guest_lockout_001')",
    ]);
    const pgDoc = documentOf(root, ['verify'], { DATABASE_URL: url });
    expectValid(pgDoc);
    expect((pgDoc.database as { server: unknown }).server).not.toBeNull();
    // the data probes' list: a failing, a passing and an unchecked probe
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS schema_data', 'CREATE DATABASE schema_data']);
    const dataUrl = pg().urlFor('schema_data');
    await pgExec(dataUrl, seedSql({ kind: 'not-null', rows: 'fails' }));
    const dataRoot = makeProject({
      'migrations/versions/a0_base.py': rev('a0', null),
      'migrations/versions/b1_step.py': migration(
        'b1',
        'a0',
        [
          "op.alter_column('t', 'c', nullable=False)",
          "op.create_index('ix_p', 't', ['p_id'], unique=True)",
          'op.execute("INSERT INTO p VALUES (4)")',
          "op.create_foreign_key('fk', 't', 'p', ['p_id'], ['id'])",
        ].join('\n'),
        'pass',
      ),
    });
    const dataDoc = documentOf(dataRoot, ['verify'], { DATABASE_URL: dataUrl });
    expectValid(dataDoc);
    const checks = (
      dataDoc.database as { dataChecks: { result: string; rows: number | null; keys: string[] }[] }
    ).dataChecks;
    expect(checks.map((c) => [c.result, c.rows, c.keys])).toEqual([
      ['fails', 1, ['1']],
      ['passes', null, []],
      ['not-checked', null, []],
    ]);
    const error = documentOf(tempDir('json-schema-empty-'), ['check']);
    expect(error.error).toBeDefined();
    expectValid(error);
  });

  it('the fleets: verify --tenants, verify --databases, a shard of each, and fleet merge', async () => {
    const root = example();
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS schema_fleet', 'CREATE DATABASE schema_fleet']);
    const url = pg().urlFor('schema_fleet');
    const stamp = (schema: string, rev: string) =>
      `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO ${schema}.alembic_version VALUES ('${rev}');`;
    await pgExec(url, [
      stamp('tenant_a', '2a3b4c5d6e7f'),
      stamp('tenant_b', 'guest_lockout_001'),
      stamp('tenant_c', '1f2a3b4c5d6e'),
    ]);
    const tenants = documentOf(root, ['verify', '--tenants', 'tenant_*'], { DATABASE_URL: url });
    expect([tenants.command, tenants.total]).toEqual(['verify --tenants', 3]);
    expectValid(tenants);
    writeFileSync(path.join(root, 'databases.txt'), 'sqlite:///fresh.db\nTENANT_UNSET_URL\n');
    const databases = documentOf(root, ['verify', '--databases', 'databases.txt']);
    expect(
      (databases.groups as { unreachable: string | null }[]).some(
        (g) => g.unreachable === '$TENANT_UNSET_URL is not set',
      ),
    ).toBe(true);
    expectValid(databases);
    for (const fleet of [
      ['--tenants', 'tenant_*'],
      ['--databases', 'databases.txt'],
    ]) {
      const shards = [1, 2].map((i) =>
        documentOf(root, ['verify', ...fleet, '--shard', `${i}/2`], { DATABASE_URL: url }),
      );
      shards.forEach((doc, i) => {
        expect(doc.shard).toEqual({ index: i + 1, count: 2 });
        expectValid(doc);
        writeFileSync(path.join(root, `shard-${i + 1}.json`), JSON.stringify(doc));
      });
      const merged = documentOf(root, ['fleet', 'merge', 'shard-1.json', 'shard-2.json']);
      expect(merged.total).toBe(fleet[0] === '--tenants' ? 3 : 2);
      expectValid(merged);
    }
    const group = (tenants.groups as Record<string, unknown>[])[0]!;
    for (const broken of [
      { ...tenants, extra: 1 },
      { ...tenants, command: 'verify' },
      { ...tenants, groups: [{ ...group, schemas: undefined }] },
      { ...tenants, shard: { index: 1 } },
    ]) {
      expect(validate(JSON.parse(JSON.stringify(broken)))).toBe(false);
    }
  });

  it('is strict: a renamed, missing or extra field fails', () => {
    const doc = documentOf(example(), ['verify'], { DATABASE_URL: 'sqlite:///fresh.db' });
    const findings = doc.findings as Record<string, unknown>[];
    expect(findings.length).toBeGreaterThan(0);
    const broken = [
      { ...doc, extra: 1 },
      { ...doc, schemaVersion: 1 },
      { ...doc, findings: [{ ...findings[0], code: undefined }] },
      { ...doc, findings: [{ ...findings[0], severity: 'fatal' }] },
      Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'graph')),
    ].map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>);
    for (const d of broken) expect(validate(d)).toBe(false);
  });
});
