import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { prepareDatabase, writeScenarioProject } from '../helpers/db-scenario.js';

const CHAIN = [
  { id: 'a1', down: null },
  { id: 'b1', down: 'a1' },
  { id: 'c1', down: 'b1' },
];

describe('backfill proof: the placeholder may take a head’s place, never add a head', () => {
  const run = async (after: string, rewire: boolean) => {
    const s = { name: `proof ${after} ${rewire}`, revs: CHAIN, rows: ['guest1'] };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    return backfillCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
      after: [after],
      rewire,
      git: false,
    });
  };

  it('after the head: it becomes the head, and the proof holds', async () => {
    const r = await run('c1', false);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outcome.plan.proof?.headsAfter).toEqual(['guest1']);
  });

  it('after a revision with children, without --rewire: a second head, and the proof fails', async () => {
    const r = await run('a1', false);
    expect(r.exitCode).toBe(1);
    expect(r.outcome.plan.proof?.problems).toContain(
      'the graph would have 2 heads (c1, guest1); pass --rewire so the children follow the placeholder',
    );
  });

  it('the same with --rewire: the child follows the placeholder, one head', async () => {
    const r = await run('a1', true);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outcome.plan.proof?.headsAfter).toEqual(['c1']);
  });
});
