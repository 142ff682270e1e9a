import type { RevSpec, Scenario } from './db-scenario.js';

// Graph shapes
export const LINEAR: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ccc333', down: 'bbb222' },
];
export const BRANCHED: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ddd444', down: 'aaa111' },
];
const MERGED: RevSpec[] = [...BRANCHED, { id: 'mmm999', down: ['bbb222', 'ddd444'] }];
const PREFIXES: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'aaa122', down: 'aaa111' },
];
const SHORT: RevSpec[] = [
  { id: 'ab1', down: null },
  { id: 'bbb222', down: 'ab1' },
];
const LABELLED: RevSpec[] = [
  { id: 'aaa111', down: null, labels: ['core'] },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'ddd444', down: null, labels: ['feature'] },
  { id: 'eee555', down: 'ddd444' },
];
const DEPENDS: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'xxx111', down: null },
  { id: 'yyy222', down: 'xxx111', depends: ['bbb222'] },
];
const DUPLICATE: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111', file: 'b1' },
  { id: 'bbb222', down: 'aaa111', file: 'b2' },
];
const DANGLING: RevSpec[] = [...LINEAR, { id: 'fff666', down: 'nope9999' }];
export const LONG_ID = 'a'.repeat(40);
const LONG: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: LONG_ID, down: 'aaa111' },
];

/** The stamped-state matrix: each verify prediction is compared with real Alembic on the same database. */
export const SCENARIOS: Scenario[] = [
  { name: 'fresh database, no version table', revs: LINEAR, rows: 'no-table' },
  { name: 'empty version table', revs: LINEAR, rows: [] },
  { name: 'at head', revs: LINEAR, rows: ['ccc333'] },
  { name: 'behind by two', revs: LINEAR, rows: ['aaa111'] },
  { name: 'behind, target heads', revs: LINEAR, rows: ['aaa111'], target: 'heads' },
  { name: 'stamped-missing alone (guest_lockout_001)', revs: LINEAR, rows: ['guest_lockout_001'] },
  {
    name: 'stamped-missing among known rows',
    revs: BRANCHED,
    rows: ['bbb222', 'guest_lockout_001'],
    target: 'heads',
  },
  { name: 'two unknown rows: the first is named', revs: LINEAR, rows: ['guest_lockout_001', 'zzz999'] },
  { name: 'unique prefix row', revs: LINEAR, rows: ['aaa1'] },
  { name: 'one-character prefix row', revs: LINEAR, rows: ['b'] },
  { name: 'ambiguous prefix row', revs: PREFIXES, rows: ['aaa1'] },
  { name: 'row shorter than a 3-char id', revs: SHORT, rows: ['ab'] },
  { name: 'row in the wrong case', revs: LINEAR, rows: ['AAA111'] },
  { name: 'row with a trailing space', revs: LINEAR, rows: ['aaa111 '] },
  { name: 'empty-string row', revs: LINEAR, rows: [''] },
  { name: "symbolic row 'head'", revs: LINEAR, rows: ['head'] },
  { name: "symbolic row 'base'", revs: LINEAR, rows: ['base'] },
  { name: "symbolic row 'heads'", revs: LINEAR, rows: ['heads'] },
  { name: 'overlapping rows', revs: LINEAR, rows: ['aaa111', 'bbb222'] },
  { name: 'explicit revision target', revs: LINEAR, rows: ['aaa111'], target: 'bbb222' },
  { name: 'prefix target', revs: LINEAR, rows: ['aaa111'], target: 'ccc3' },
  { name: 'unknown target', revs: LINEAR, rows: ['aaa111'], target: 'zzzz9999' },
  { name: 'target already passed', revs: LINEAR, rows: ['ccc333'], target: 'aaa111' },
  { name: 'two heads, target head', revs: BRANCHED, rows: ['aaa111'] },
  { name: 'two heads, target heads', revs: BRANCHED, rows: ['aaa111'], target: 'heads' },
  {
    name: 'two heads and a stale row, target head (target checked first)',
    revs: BRANCHED,
    rows: ['guest_lockout_001'],
  },
  {
    name: 'two heads and a stale row, target heads',
    revs: BRANCHED,
    rows: ['guest_lockout_001'],
    target: 'heads',
  },
  { name: 'on one branch head, target heads', revs: BRANCHED, rows: ['bbb222'], target: 'heads' },
  { name: 'both branch heads, merge to head', revs: MERGED, rows: ['bbb222', 'ddd444'] },
  { name: 'one branch head, merge to head', revs: MERGED, rows: ['bbb222'] },
  { name: 'branch-label row', revs: LABELLED, rows: ['core'], target: 'heads' },
  { name: 'label@head target', revs: LABELLED, rows: ['bbb222'], target: 'feature@head' },
  { name: 'unknown label@head target', revs: LABELLED, rows: [], target: 'nolabel@head' },
  { name: 'duplicate revision ids, target head', revs: DUPLICATE, rows: ['aaa111'] },
  { name: 'depends_on across roots, target heads', revs: DEPENDS, rows: 'no-table', target: 'heads' },
  { name: 'depends_on across roots, target head', revs: DEPENDS, rows: [] },
  {
    name: 'dangling down_revision with a stale row (load fails first)',
    revs: DANGLING,
    rows: ['guest_lockout_001'],
  },
  {
    name: 'custom version table from env.py ignores a stale alembic_version',
    revs: LINEAR,
    rows: ['bbb222'],
    table: 'my_versions',
    pre: (d) => [
      'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)',
      "INSERT INTO alembic_version VALUES ('guest_lockout_001')",
      ...(d === 'postgresql' ? [] : []),
    ],
  },
  { name: 'custom schema from env.py', revs: LINEAR, rows: ['aaa111'], schema: 'meta', only: 'postgresql' },
  {
    name: 'duplicate rows in a table without a primary key',
    revs: LINEAR,
    rows: ['aaa111', 'aaa111'],
    noPk: true,
  },
  { name: 'revision id over 32 characters', revs: LONG, rows: ['aaa111'] },
  { name: "'label@head' row", revs: LABELLED, rows: ['core@head', 'eee555'], target: 'heads' },
  { name: "'label@rev' row outside its branch", revs: LABELLED, rows: ['feature@aaa111'], target: 'heads' },
  { name: 'NULL row in a hand-made table', revs: LINEAR, rows: [null], nullable: true },
  { name: 'NULL row beside a real one', revs: LINEAR, rows: ['aaa111', null], nullable: true },
];

/** Two branches whose ids differ only in case: two rows on a case-blind collation are one key. */
const CASE_TWINS: RevSpec[] = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
  { id: 'BBB222', down: 'aaa111', file: 'upper' },
];

/** MariaDB's own cases: a database as version_table_schema, the SQL mode, the collation. */
export const MYSQL_SCENARIOS: Scenario[] = [
  {
    name: 'version_table_schema names another database',
    revs: LINEAR,
    rows: ['aaa111'],
    schema: 'matrix_meta',
    only: 'mysql',
  },
  {
    name: 'a long id on a server without a strict mode is cut to 32 characters',
    revs: LONG,
    rows: ['aaa111'],
    query: 'sql_mode=NO_ENGINE_SUBSTITUTION',
    only: 'mysql',
    blocks: true,
  },
  {
    name: 'a long id on a strict server fails the UPDATE (1406)',
    revs: LONG,
    rows: ['aaa111'],
    query: 'sql_mode=STRICT_TRANS_TABLES',
    only: 'mysql',
  },
  {
    name: 'case-blind collation: a branch id equal to another row is a duplicate key',
    revs: CASE_TWINS,
    rows: ['aaa111'],
    target: 'heads',
    only: 'mysql',
  },
  {
    name: 'case-sensitive collation: the same branch ids are two rows',
    revs: CASE_TWINS,
    rows: ['aaa111'],
    target: 'heads',
    collation: 'utf8mb4_bin',
    only: 'mysql',
  },
  {
    name: 'case-blind collation without a key: one UPDATE matches two rows',
    revs: [
      { id: 'aaa111', down: null },
      { id: 'bbb222', down: 'aaa111' },
      { id: 'AAA111', down: null, file: 'upper' },
    ],
    rows: ['aaa111', 'AAA111'],
    target: 'bbb222',
    noPk: true,
    only: 'mysql',
  },
  {
    name: 'trailing spaces are equal under PAD SPACE: a row read with them is not found',
    revs: LINEAR,
    rows: ['aaa111  '],
    only: 'mysql',
  },
];
