import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectVerifyMatchesAlembic } from '../helpers/matrix-check.js';
import { SCENARIOS } from '../helpers/matrix-scenarios.js';
import { startPostgres, type PgServer } from '../helpers/pg-cluster.js';

const DIALECTS = ['sqlite', 'postgresql'] as const;

describe('verify agrees with real Alembic (alembic upgrade run on the same database)', () => {
  let pg: PgServer;
  const dirs: string[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('has at least 30 scenarios on each database', () => {
    for (const d of DIALECTS)
      expect(SCENARIOS.filter((s) => !s.only || s.only === d).length).toBeGreaterThanOrEqual(30);
  });

  let index = 0;
  for (const dialect of DIALECTS) {
    for (const s of SCENARIOS) {
      if (s.only && s.only !== dialect) continue;
      const i = index++;
      it(`${dialect}: ${s.name}`, async () => {
        dirs.push(
          await expectVerifyMatchesAlembic(s, dialect, i, {
            pg: { adminUrl: pg.url, urlFor: (db) => pg.urlFor(db) },
          }),
        );
      }, 60_000);
    }
  }
});
