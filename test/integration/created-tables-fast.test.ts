import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRevisionFast } from '../../src/alembic/fast-revision-reader.js';
import { createdTablesFast } from '../../src/check/created-tables-fast.js';
import { createdTables } from '../../src/check/lint/created-tables.js';
import { loadPythonParser, PySource } from '../../src/check/lint/python-syntax.js';
import { PYTHON, REPO, SHARED_ORACLE } from '../helpers/oracle.js';
import { migration } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

/** What the parse finds, and what the scan finds where it answers (undefined where it leaves the file to the parse). */
async function both(text: string): Promise<{ parsed: unknown; scanned: unknown }> {
  const py = new PySource(text, await loadPythonParser());
  return { parsed: py.hasErrors ? null : createdTables(py), scanned: readRevisionFast(text) ? createdTablesFast(text) : undefined };
}

describe("the schema probes' scan of plain revision files", () => {
  it('finds exactly the tables the parse finds, on every generated file it answers for (most of them)', async () => {
    let answered = 0;
    let total = 0;
    for (const [seed, extra] of [[3, ['--traps', '0.1']], [8, ['--branch-rate', '0.2', '--label-rate', '0.3']]] as const) {
      const dir = path.join(tempDir('preflight-scan-'), 'project');
      execFileSync(PYTHON, [path.join(SHARED_ORACLE, 'gen_corpus.py'), '--out', dir, '--n', '400', '--seed', String(seed), ...extra], { stdio: 'ignore' });
      const versions = path.join(dir, 'migrations', 'versions');
      for (const name of readdirSync(versions).filter((n) => n.endsWith('.py'))) {
        const text = readFileSync(path.join(versions, name), 'utf8');
        if (!text.includes('create_table')) continue;
        total++;
        const { parsed, scanned } = await both(text);
        if (scanned === undefined) continue;
        answered++;
        expect(scanned, name).toEqual(parsed);
      }
    }
    for (const name of readdirSync(path.join(REPO, 'examples/heroku-app/migrations/versions'))) {
      const { parsed, scanned } = await both(readFileSync(path.join(REPO, 'examples/heroku-app/migrations/versions', name), 'utf8'));
      expect(scanned).toEqual(parsed);
    }
    expect(total).toBeGreaterThan(50);
    expect(answered / total).toBeGreaterThan(0.9);
  }, 120_000);

  it.each([
    ['a call in a comment or a string is not a call', "# op.create_table('ghost')\nop.execute(\"op.create_table('ghost2')\")\nop.create_table('real', sa.Column('id', sa.Integer()))"],
    ['another schema is left out, schema=None is not', "op.create_table('a', sa.Column('id', sa.Integer()), schema='audit')\nop.create_table('b', sa.Column('id', sa.Integer()), schema=None)"],
    ['nested brackets and keyword arguments', "op.create_table(\n    'c',\n    sa.Column('id', sa.Integer(), primary_key=True),\n    sa.Column('x', sa.String(length=(3)), server_default=sa.text(\"'a,b'\")),\n)"],
    ['a call whose value is kept, and one inside a with block', "t = op.create_table('d', sa.Column('id', sa.Integer()))\nwith op.get_context().autocommit_block():\n    op.create_table('e', sa.Column('id', sa.Integer()))"],
    ['downgrade() is not upgrade()', "op.create_table('f', sa.Column('id', sa.Integer()))"],
  ])('%s', async (_name, body) => {
    const text = migration('a1', null, body, "op.create_table('g', sa.Column('id', sa.Integer()))");
    const { parsed, scanned } = await both(text);
    expect(parsed).not.toBeNull();
    // each of these is a plain file: the scan answers, and agrees
    expect(scanned).toEqual(parsed);
  });

  it('leaves to the parse what it cannot read plainly', () => {
    expect(createdTablesFast(migration('a1', null, "op.create_table(table_name='t')", 'pass'))).toBeUndefined();
    expect(createdTablesFast(migration('a1', null, "op.create_table(NAME)", 'pass'))).toBeUndefined();
    expect(createdTablesFast(migration('a1', null, "upgrade_engine1()", 'pass'))).toBeUndefined();
  });
});
