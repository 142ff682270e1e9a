import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../helpers/example-db.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { projectWith } from '../helpers/probe-app.js';

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Table {
  name: string;
  columns: string[];
  indexes: Map<string, string>;
}

/**
 * Revisions of random valid steps (tables with enum columns and indexes, columns added, dropped and
 * renamed in batch, tables renamed and dropped, indexes in raw SQL), kept valid by a model of the
 * schema so real Alembic applies every one.
 */
function generate(seed: number, revisions: number, postgres: boolean): [string, string][] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const tables: Table[] = [];
  let n = 0;
  const fresh = (p: string): string => `${p}${++n}`;
  const out: [string, string][] = [];
  for (let r = 0; r < revisions; r++) {
    const body: string[] = [];
    const steps = 1 + Math.floor(next() * 3);
    for (let s = 0; s < steps; s++) {
      const t = tables.length > 0 ? pick(tables) : undefined;
      const k = t ? Math.floor(next() * 8) : 0;
      if (k === 0 || !t) {
        const name = fresh('t');
        const cols = ['id', fresh('c')];
        const enumCol = postgres && next() < 0.4 ? fresh('e') : undefined;
        body.push(
          `op.create_table("${name}", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("${cols[1]}", sa.String(20))${enumCol ? `, sa.Column("${enumCol}", sa.Enum("x", "y", name="${enumCol}_type"))` : ''})`,
        );
        tables.push({ name, columns: enumCol ? [...cols, enumCol] : cols, indexes: new Map() });
      } else if (k === 1) {
        const c = fresh('c');
        body.push(`op.add_column("${t.name}", sa.Column("${c}", sa.Integer(), nullable=True))`);
        t.columns.push(c);
      } else if (k === 2) {
        const free = t.columns.filter((c) => c !== 'id' && ![...t.indexes.values()].includes(c));
        if (free.length === 0) continue;
        const c = pick(free);
        body.push(`with op.batch_alter_table("${t.name}") as batch_op:`, `    batch_op.drop_column("${c}")`);
        t.columns = t.columns.filter((x) => x !== c);
      } else if (k === 3) {
        const free = t.columns.filter((c) => c !== 'id' && ![...t.indexes.values()].includes(c));
        if (free.length === 0) continue;
        const c = pick(free);
        const to = fresh('r');
        body.push(
          `with op.batch_alter_table("${t.name}") as batch_op:`,
          `    batch_op.alter_column("${c}", new_column_name="${to}")`,
        );
        t.columns = t.columns.map((x) => (x === c ? to : x));
      } else if (k === 4) {
        const c = pick(t.columns);
        const ix = fresh('ix_');
        body.push(
          next() < 0.5
            ? `op.create_index(op.f("${ix}"), "${t.name}", ["${c}"])`
            : `op.execute("CREATE INDEX ${ix} ON ${t.name} (${c})")`,
        );
        t.indexes.set(ix, c);
      } else if (k === 5 && t.indexes.size > 0) {
        const ix = pick([...t.indexes.keys()]);
        body.push(
          next() < 0.5 ? `op.drop_index("${ix}", table_name="${t.name}")` : `op.execute("DROP INDEX ${ix}")`,
        );
        t.indexes.delete(ix);
      } else if (k === 6) {
        const to = fresh('t');
        body.push(`op.rename_table("${t.name}", "${to}")`);
        t.name = to;
      } else if (k === 7 && tables.length > 1) {
        body.push(`op.drop_table("${t.name}")`);
        tables.splice(tables.indexOf(t), 1);
      }
    }
    if (body.length === 0) body.push('op.execute("UPDATE alembic_version SET version_num = version_num")');
    out.push([`r${String(r).padStart(3, '0')}${seed}`, body.join('\n')]);
  }
  return out;
}

async function differential(url: () => Promise<string>, seed: number, postgres: boolean): Promise<void> {
  const revisions = generate(seed, 10, postgres);
  const root = projectWith(revisions);
  const db = await url();
  const mid = revisions[Math.floor(rng(seed + 1)() * revisions.length)]![0];
  const up = exampleAlembic(root, db, 'upgrade', mid);
  expect(up.status, up.error).toBe(0);
  // at a revision halfway: the replay agrees with the catalog, and the pending steps meet nothing
  const half = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db } });
  expect(half.result.findings.filter((f) => f.code.startsWith('schema-')).map((f) => f.message)).toEqual([]);
  expect(half.exitCode).toBe(0);
  const rest = exampleAlembic(root, db, 'upgrade', 'head');
  expect(rest.status, rest.error).toBe(0);
  // at head: every object the migrations name agrees, none unknown
  const head = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db } });
  expect(head.result.findings.filter((f) => f.code.startsWith('schema-')).map((f) => f.message)).toEqual([]);
  expect(head.result.database?.schema?.unknown).toBe(0);
  expect(head.result.database?.schema?.checked).toBeGreaterThan(0);
  expect(head.result.database?.schema?.behind).toEqual([]);
}

describe('the schema replay agrees with what real Alembic builds', () => {
  for (const seed of [11, 23, 37]) {
    it(`SQLite, generated migrations (seed ${seed})`, async () => {
      await differential(async () => 'sqlite:///app.db', seed, false);
    }, 120_000);
  }

  describe('PostgreSQL', () => {
    const pg = postgresForSuite();
    for (const seed of [11, 23, 37]) {
      it(`generated migrations with enum types (seed ${seed})`, async () => {
        await differential(
          async () => {
            const name = `replay_${seed}`;
            await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
            return pg().urlFor(name);
          },
          seed,
          true,
        );
      }, 120_000);
    }
  });
});
