import { describe, expect, it } from 'vitest';
import { mysqlOnlineIndex } from '../../src/check/schema/mysql-online-index.js';
import { lockSteps } from '../../src/check/schema/schema-ops.js';
import { migration } from '../helpers/project.js';

describe('an index MySQL SQL adds with LOCK=NONE, read back', () => {
  it('reads the statement fix writes, backquoted or bare, with a schema, UNIQUE or KEY', () => {
    expect(
      mysqlOnlineIndex('ALTER TABLE `orders` ADD INDEX `ix_a` (`a`, `b`), ALGORITHM=INPLACE, LOCK=NONE'),
    ).toEqual({ table: 'orders', name: 'ix_a', columns: ['a', 'b'], unique: false });
    expect(mysqlOnlineIndex('alter table shop.`odd``name` add unique key uq (email) , lock = none;')).toEqual(
      { table: 'odd`name', schema: 'shop', name: 'uq', columns: ['email'], unique: true },
    );
  });

  it('reads nothing else: no LOCK=NONE, other clauses, strings, a second statement, PostgreSQL', () => {
    for (const sql of [
      'ALTER TABLE t ADD INDEX ix (a)',
      'ALTER TABLE t ADD INDEX ix (a), ALGORITHM=INPLACE, LOCK=SHARED',
      'ALTER TABLE t ADD INDEX ix (a(10)), LOCK=NONE',
      'ALTER TABLE t ADD INDEX ix (a), ADD COLUMN b INT, LOCK=NONE',
      "ALTER TABLE t ADD INDEX ix (a), COMMENT='x', LOCK=NONE",
      'ALTER TABLE t ADD INDEX ix (a), LOCK=NONE; DROP TABLE t',
      'ALTER TABLE t ADD INDEX ix (a), LOCK=NONE -- note',
      'CREATE INDEX CONCURRENTLY ix ON t (a)',
    ])
      expect(mysqlOnlineIndex(sql), sql).toBeUndefined();
  });

  it('in upgrade(), it is a create_index step with its data (for the probes), not SQL left unread', () => {
    const read = lockSteps(
      migration(
        'b1',
        'a0',
        [
          'op.execute("SET SESSION lock_wait_timeout = 5")',
          'op.execute("ALTER TABLE `t` ADD UNIQUE INDEX `uq` (`a`), ALGORITHM=INPLACE, LOCK=NONE")',
        ].join('\n'),
        'pass',
      ),
    );
    expect(read.steps.map((s) => ({ call: s.call, table: s.table, flags: s.flags, data: s.data }))).toEqual([
      {
        call: 'create_index',
        table: 't',
        flags: ['online'],
        data: { name: 'uq', columns: ['a'], unique: true },
      },
    ]);
    expect(read.sql.map((q) => q.sql)).toEqual(['SET SESSION lock_wait_timeout = 5']);
  });
});
