import { describe, expect, it } from 'vitest';
import { clashError, clashWords } from '../../src/check/schema/describe-object.js';
import type { UpgradeClash } from '../../src/check/schema/schema-probe.js';

// the errors themselves are held to real Alembic by the schema-ahead-of-stamp and matrix suites; this
// holds the words a message quotes to the tail of each dialect's error
const clash: UpgradeClash = {
  obj: { kind: 'column', table: 'note', name: 'extra' },
  problem: 'exists',
  does: 'creates',
  revision: 'b2',
  path: 'b2.py',
  line: 3,
};

describe("clashWords: the server's words of a clash, without the exception's class", () => {
  it.each([
    [{ dialect: 'sqlite' as const, database: 'app.db' }, 'duplicate column name: extra'],
    [{ dialect: 'postgresql' as const, database: 'app' }, 'column "extra" of relation "note" already exists'],
    [
      { dialect: 'mysql' as const, database: 'app', mysql: { driver: 'pymysql' } as never },
      "Duplicate column name 'extra'",
    ],
  ])('%o', (state, words) => {
    expect(clashError(clash, state)).toMatch(new RegExp(`${words.replace(/[()"']/gu, '.')}\\W*$`, 'u'));
    expect(clashWords(clash, state)).toBe(words);
  });
});
