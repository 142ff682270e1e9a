import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../src/alembic/config/alembic-config.js';
import { LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';
import { modelFromConfig, modelFromConfigAlongside } from '../../src/alembic/loading/project-model.js';
import { checkModel } from '../../src/workspace/open-project.js';
import { checkJson } from '../../src/report/json-report.js';
import { makeProject, rev } from '../helpers/project.js';
import { diskFiles } from '../../src/project/project-files.js';

/**
 * verify reads the database while it reads the revision files (modelFromConfigAlongside): the
 * reading pauses for the event loop, so a connection's round trips go on meanwhile. These tests
 * pin what that must keep: the same model, progress of the other work during the reading, and an
 * early end when the other work fails.
 */
const N = 600;

function project(): string {
  const files: Record<string, string> = {};
  // a conditional expression keeps each file off the reader's fast path: the reading lasts long enough to interleave
  for (let i = 0; i < N; i++)
    files[`migrations/versions/r${String(i).padStart(4, '0')}_step.py`] = rev(
      `r${i}`,
      i === 0 ? null : `r${i - 1}`,
      'x = 1 if True else 2',
    );
  // a branch, a merge-free second head, a file Python cannot compile and one with an unknowable id
  files['migrations/versions/side_branch.py'] = rev('side', 'r10');
  files['migrations/versions/broken.py'] =
    'revision = "broken"\ndown_revision = "r5"\ndef upgrade(:\n    pass\n';
  files['migrations/versions/dynamic.py'] = rev('dyn', 'r20').replace(
    "revision = 'dyn'",
    'revision = make_id()',
  );
  return makeProject(files);
}

/** A chain of timer steps, standing in for a connection's round trips; when each step ran. */
function roundTrips(steps: number): { done: () => boolean; finishedAt: () => number } {
  let left = steps;
  let finishedAt = Number.NaN;
  const next = (): void => {
    left--;
    if (left === 0) finishedAt = performance.now();
    else setTimeout(next, 1);
  };
  setTimeout(next, 1);
  return { done: () => left === 0, finishedAt: () => finishedAt };
}

describe('reading the revision files while the database is read', () => {
  it('builds the same model as reading them in one go', async () => {
    const root = project();
    const config = await loadProjectConfig({
      files: diskFiles(),
      cwd: root,
      alembicVersion: LATEST_ALEMBIC,
      env: {},
    });
    const alone = modelFromConfig(config, LATEST_ALEMBIC);
    const trips = roundTrips(5);
    const alongside = await modelFromConfigAlongside(config, LATEST_ALEMBIC, {
      waiting: () => !trips.done(),
      abandon: () => undefined,
    });
    expect(alongside.files).toHaveLength(N + 3);
    const json = async (m: typeof alone): Promise<unknown> => checkJson(await checkModel(m, { lint: false }));
    expect(await json(alongside)).toEqual(await json(alone));
    expect(alongside.failure?.failure.exception).toBe('SyntaxError');
    expect(alongside.complete).toBe(false);
  });

  it('lets the other work go on during the reading, where a plain read holds it until the end', async () => {
    const root = project();
    const config = await loadProjectConfig({
      files: diskFiles(),
      cwd: root,
      alembicVersion: LATEST_ALEMBIC,
      env: {},
    });
    const before = roundTrips(5);
    modelFromConfig(config, LATEST_ALEMBIC);
    const plainEnd = performance.now();
    expect(before.done()).toBe(false);

    const trips = roundTrips(5);
    await modelFromConfigAlongside(config, LATEST_ALEMBIC, {
      waiting: () => !trips.done(),
      abandon: () => undefined,
    });
    const alongsideEnd = performance.now();
    expect(trips.done()).toBe(true);
    expect(trips.finishedAt()).toBeLessThan(alongsideEnd);
    // the plain read's timers only ran once it had ended
    await new Promise((r) => setTimeout(r, 20));
    expect(before.finishedAt()).toBeGreaterThan(plainEnd);
  });

  it('stops reading as soon as the other work fails, with that failure', async () => {
    const root = project();
    const config = await loadProjectConfig({
      files: diskFiles(),
      cwd: root,
      alembicVersion: LATEST_ALEMBIC,
      env: {},
    });
    let pauses = 0;
    const failure = new Error('connection refused');
    const run = modelFromConfigAlongside(config, LATEST_ALEMBIC, {
      waiting: () => true,
      abandon: () => {
        pauses++;
        if (pauses === 3) throw failure;
      },
    });
    await expect(run).rejects.toBe(failure);
    expect(pauses).toBe(3);
  });

  it('reads on without pausing once the other work is done', async () => {
    const root = project();
    const config = await loadProjectConfig({
      files: diskFiles(),
      cwd: root,
      alembicVersion: LATEST_ALEMBIC,
      env: {},
    });
    let asked = 0;
    const model = await modelFromConfigAlongside(config, LATEST_ALEMBIC, {
      waiting: () => {
        asked++;
        return false;
      },
      abandon: () => undefined,
    });
    expect(asked).toBe(1);
    expect(model.files).toHaveLength(N + 3);
  });
});
