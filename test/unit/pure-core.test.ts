import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/commands/check/check-command.js';
import { memoryFiles } from '../helpers/memory-files.js';
import { DEFAULT_INI, ENV_PY, migration, rev } from '../helpers/project.js';

// Everything above the project layer is pure: a project held in memory is checked as one on disk
// would be, and each of its files is read at most once in a run.

const V = '/app/migrations/versions';

describe('the core on a project held in memory', () => {
  it('checks it with no disk: the graph, the release line, the lints', async () => {
    const files = memoryFiles({
      '/app/alembic.ini': DEFAULT_INI,
      '/app/migrations/env.py': ENV_PY,
      [`${V}/a1_first.py`]: rev('a1', null),
      [`${V}/b2_second.py`]: rev('b2', 'a1'),
      [`${V}/c3_third.py`]: migration('c3', 'b2', "op.create_table('t')", "op.drop_table('t')"),
      '/app/Procfile': 'release: alembic upgrade b2\nweb: gunicorn app:app\n',
      '/app/requirements.txt': 'alembic==1.13.1\n',
    });
    const out = await checkCommand({ cwd: '/app', format: 'json', env: {}, files });
    const doc = JSON.parse(out.stdout) as {
      graph: { heads: string[] };
      alembicVersion: string;
      findings: { code: string }[];
      target: string;
      targetFrom: string;
    };
    expect(doc.graph.heads).toEqual(['c3']);
    expect(doc.alembicVersion).toContain('1.13.1');
    expect([doc.target, doc.targetFrom]).toEqual(['b2', 'Procfile:1']);
    expect(doc.findings.map((f) => f.code)).toEqual([]);
    expect(out.exitCode).toBe(0);
  });

  it('reads each revision file once, with the lints or without, and every other file once', async () => {
    // two heads: a finding on a revision file, whose suppression comments are then looked for
    const tree = {
      '/app/alembic.ini': DEFAULT_INI,
      '/app/migrations/env.py': ENV_PY,
      [`${V}/a1_first.py`]: migration('a1', null, "op.create_table('t')", "op.drop_table('t')"),
      [`${V}/b2_second.py`]: rev('b2', 'a1'),
      [`${V}/c3_third.py`]: rev('c3', 'a1'),
      '/app/Procfile': 'release: alembic upgrade head\n',
    };
    const counts = async (lint: boolean): Promise<Map<string, number>> => {
      const files = memoryFiles(tree);
      const out = await checkCommand({ cwd: '/app', format: 'json', env: {}, files, lint });
      expect(
        (JSON.parse(out.stdout) as { findings: { code: string; path: string }[] }).findings,
      ).toContainEqual(
        expect.objectContaining({ code: 'multiple-heads', path: 'migrations/versions/c3_third.py' }),
      );
      return files.reads;
    };
    for (const lint of [false, true]) {
      const reads = await counts(lint);
      expect([`${V}/a1_first.py`, `${V}/b2_second.py`, `${V}/c3_third.py`].map((f) => reads.get(f))).toEqual([
        1, 1, 1,
      ]);
      for (const [file, n] of reads) expect(n, file).toBe(1);
    }
  });
});
