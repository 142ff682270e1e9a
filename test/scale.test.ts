import { describe, expect, it } from 'vitest';
import { LATEST_ALEMBIC } from '../src/alembic/alembic-version.js';
import type { ProjectModel } from '../src/alembic/project-model.js';
import { runVerify } from '../src/check/run-verify.js';
import type { VersionTableState } from '../src/database/version-table.js';
import { verifyJson } from '../src/report/json-report.js';
import { verifyText } from '../src/report/text-report.js';
import { loadProject } from '../src/alembic/project-model.js';
import { growthRatio, LINEAR_BOUND } from './helpers/growth.js';
import { makeProject, rev } from './helpers/project.js';

/** A version table of n rows, none of which any file defines (what a hand-filled or corrupted table looks like). */
function state(n: number): VersionTableState {
  const rows = Array.from({ length: n }, (_, i) => `r${String(i).padStart(6, '0')}`);
  return { dialect: 'sqlite', host: null, database: 'app.db', versionTable: 'alembic_version', versionTableSchema: null, foundInSchema: 'main', exists: true, rows, columnLength: null, server: null, tls: null };
}

describe('a version table of hundreds of thousands of rows', () => {
  let model: ProjectModel;
  const verdict = (n: number) => {
    const result = runVerify(model, state(n), 'head');
    return { result, text: verifyText(result, [], '$DATABASE_URL'), json: JSON.stringify(verifyJson(result, [], '$DATABASE_URL')) };
  };

  it('200,000 rows: every row reported, in text and JSON, without overflowing the stack', async () => {
    model = await loadProject({ cwd: makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) }), alembicVersion: LATEST_ALEMBIC });
    const { result, text, json } = verdict(200_000);
    expect(result.ok).toBe(false);
    expect(result.findings.filter((f) => f.code === 'stamped-revision-missing')).toHaveLength(200_000);
    expect(text.trimEnd().split('\n').at(-1)).toContain("Can't locate revision identified by 'r000000'");
    expect(JSON.parse(json).findings).toHaveLength(200_000);
  });

  it('costs grow linearly with the rows', () => {
    expect(growthRatio((n) => verdict(n), 500)).toBeLessThan(LINEAR_BOUND());
  });
});
