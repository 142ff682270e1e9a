import { expect } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import {
  prepareDatabase,
  readRowsAfter,
  runAlembicUpgrade,
  writeScenarioProject,
  type Dialect,
  type MariaHandle,
  type Scenario,
} from './db-scenario.js';

/** Where a scenario's database is made: the PostgreSQL cluster, the MariaDB server (SQLite needs neither). */
export interface MatrixServers {
  readonly pg?: { adminUrl: string; urlFor: (db: string) => string };
  readonly maria?: Omit<MariaHandle, 'index'>;
}

/**
 * Verify's prediction for the scenario's database (read-only, first), then real `alembic upgrade` on the
 * same database: the same outcome, the same migrations, the same rows after, or the same failure line.
 * Returns the project folder (the caller removes it).
 */
export async function expectVerifyMatchesAlembic(
  s: Scenario,
  dialect: Dialect,
  index: number,
  servers: MatrixServers,
): Promise<string> {
  const root = writeScenarioProject(s);
  const target = s.target ?? 'head';
  const maria = servers.maria ? { ...servers.maria, index } : undefined;
  const url = await prepareDatabase(
    s,
    dialect,
    root,
    servers.pg ? { ...servers.pg, index } : undefined,
    maria,
  );
  const ours = await verifyCommand({
    cwd: root,
    format: 'json',
    env: { DATABASE_URL: url },
    target,
    alembicVersion: '1.8.1',
    connectRetries: 0,
  });
  const doc = JSON.parse(ours.stdout) as {
    prediction: {
      willSucceed: boolean;
      pending: string[];
      finalHeads: string[] | null;
      cliOutput: string | null;
    };
  };
  const real = runAlembicUpgrade(root, url, target);
  const p = doc.prediction;
  const context = `alembic rc=${real.rc}\nstdout: ${real.stdout}\nstderr: ${real.stderr}\nours: ${JSON.stringify(p)}`;
  expect(p.willSucceed, context).toBe(real.rc === 0);
  if (real.rc === 0) {
    expect(p.pending, context).toEqual(real.applied);
    expect(p.finalHeads, context).toEqual(await readRowsAfter(s, dialect, root, url, maria));
    expect(ours.exitCode, context).toBe(s.blocks ? 1 : 0);
  } else {
    expect(ours.exitCode).toBe(1);
    const failedLine = real.stdout.split('\n').find((l) => l.startsWith('FAILED:'));
    if (failedLine) expect(p.cliOutput, context).toBe(failedLine);
    else
      expect(
        real.stderr.split('\n').map((l) => l.trim()),
        context,
      ).toContain(p.cliOutput);
  }
  return root;
}
