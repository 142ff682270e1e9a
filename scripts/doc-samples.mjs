#!/usr/bin/env node
// The sample outputs in README.md, made by running the built CLI on the bundled example (SQLite), so
// that what the README shows is what the tool prints. Each sample sits between its markers; its
// duration is normalised (it varies from run to run).
//   node scripts/doc-samples.mjs          rewrite the samples (npm run docs:samples)
//   node scripts/doc-samples.mjs --check  exit 1 when a sample is not what the tool prints
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrateAndStamp } from './demo-schema.mjs';
import {
  createLedgerSql,
  DEFAULT_LEDGER_TABLE,
  LEDGER_COLUMNS,
  ledgerValues,
  stepsValue,
} from '../dist/database/ledger.js';
import { ledgerSteps } from '../dist/check/ledger-rows.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const UPGRADE = 'def upgrade():\n    op.create_index("ix_users_email", "users", ["email"])\n';
const DOWNGRADE = '\n\ndef downgrade():\n    op.drop_index("ix_users_email")\n';
const NEXT_FILE = 'migrations/versions/3c4d5e6f7a8b_add_index.py';

/** x1, y1 (depends_on x1) and z1 after the example's head, and m1 merging all three: x1 is a redundant parent. */
const MERGE_FILES = {
  'migrations/versions/x1_add_roles.py': revisionFile('x1', '"2a3b4c5d6e7f"'),
  'migrations/versions/y1_add_grants.py': revisionFile('y1', '"2a3b4c5d6e7f"', 'depends_on = "x1"\n'),
  'migrations/versions/z1_add_audit.py': revisionFile('z1', '"2a3b4c5d6e7f"'),
  'migrations/versions/m1_merge.py': revisionFile('m1', '("z1", "x1", "y1")'),
};

/** Three users, for the data probes' pages. */
const USERS = [
  "INSERT INTO users (id, email) VALUES (1, 'Ann@example.com'), (2, 'ann@example.com'), (3, 'bob@example.com')",
];

/** A revision that creates a table, adds a column, indexes it and adds another: four steps. */
const LOCKOUT = `revision = "3b4c5d6e7f80"
down_revision = "2a3b4c5d6e7f"
from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("lockouts", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("user_id", sa.Integer(), nullable=False))
    op.add_column("users", sa.Column("nickname", sa.String(40), nullable=True))
    op.create_index("ix_users_nickname", "users", ["nickname"], unique=True)
    op.add_column("users", sa.Column("locked_until", sa.DateTime(), nullable=True))
`;

/** A newer release's revision the example does not have: it drops a column the example creates. */
const SLIM_GUEST_SESSIONS = `revision = "c3slim"
down_revision = "2a3b4c5d6e7f"
from alembic import op


def upgrade():
    op.drop_column("guest_sessions", "failed_attempts")
`;

/** An env.py of our own that runs the migrations once per database alembic.ini's `databases` lists. */
const MULTIDB_ENV = `"""Migrates each database alembic.ini's \`databases\` lists, each with its own version table."""
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
db_names = config.get_main_option("databases", "")


def run_migrations_online():
    for name in db_names.split(","):
        name = name.strip()
        engine = engine_from_config(
            config.get_section(name), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        with engine.connect() as connection:
            context.configure(connection=connection, upgrade_token="%s_upgrades" % name)
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


run_migrations_online()
`;

/**
 * Each sample: the document it is in, the command it is the output of, and the situation it runs in:
 * the bundled example, with `files` written over it (null removes one), its SQLite database app.db
 * built by `database` (what `upTo` creates, then the version table's `rows`; `empty`: a file with no
 * tables; absent: the incident's database), and `env` beside DATABASE_URL. `finding` keeps only that
 * finding's lines, after the command line that made them.
 */
export const SAMPLES = [
  {
    doc: 'README.md',
    name: 'release-incident',
    what: "`release` on the incident's database (the example, stamped guest_lockout_001), as the release log shows it",
    args: ['release'],
  },
  {
    doc: 'docs/json.md',
    name: 'check-json',
    what: 'the example with a second head (`check --format json`)',
    args: ['check', '--format', 'json'],
    json: true,
    files: { 'migrations/versions/x1_add_roles.py': revisionFile('x1', '"1f2a3b4c5d6e"') },
  },
  {
    doc: 'docs/json.md',
    name: 'verify-json',
    what: "the incident's database: the two fields `verify --format json` adds",
    args: ['verify', '--format', 'json'],
    json: ['database', 'prediction'],
  },
  ...findingSamples(),
];

/** A revision file after the example's head, as `alembic revision` writes one, with `body` after its ids. */
function migrationFile(id, body, before = '') {
  return `"""add an index

Revision ID: ${id}
Revises: 2a3b4c5d6e7f
"""
from alembic import op
import sqlalchemy as sa

${before}revision = "${id}"
down_revision = "2a3b4c5d6e7f"
${body}`;
}

/** A revision file with nothing to do, after `down` (Python's spelling of it). */
function revisionFile(id, down, extra = '') {
  return `"""${id}"""\nrevision = "${id}"\ndown_revision = ${down}\n${extra}\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
}

/** The findings pages' examples: each on the bundled example, changed as the page's example says. */
function findingSamples() {
  const page = (code, args, rest = {}) => ({
    doc: `docs/findings/${code}.md`,
    name: code,
    finding: code,
    args,
    ...rest,
  });
  const atHead = { upTo: '2a3b4c5d6e7f', rows: ['2a3b4c5d6e7f'] };
  return [
    page('database-at-head', ['verify'], {
      what: 'the bundled example, its database at head',
      database: atHead,
    }),
    page('pending-migrations', ['verify'], {
      what: 'the bundled example, its database one revision behind',
      database: { upTo: '1f2a3b4c5d6e', rows: ['1f2a3b4c5d6e'] },
    }),
    page('version-table-missing', ['verify'], {
      what: 'the bundled example on an empty database',
      database: 'empty',
    }),
    page('schema-already-present', ['verify'], {
      what: "the bundled example on a database with 1f2a3b4c5d6e's table and an empty alembic_version",
      database: { upTo: '1f2a3b4c5d6e', rows: [] },
    }),
    page('upgrade-will-fail', ['verify', '--target', 'zzzz9999'], {
      what: 'the bundled example, asked for a target no file defines',
      database: atHead,
    }),
    page('name-not-defined', ['check'], {
      what: 'the bundled example with a new revision that reads a misspelt name at module level',
      files: {
        [NEXT_FILE]: migrationFile(
          '3c4d5e6f7a8b',
          `TABLE = tabel_name\n\n\n${UPGRADE.replace('"users"', 'TABLE')}${DOWNGRADE}`,
        ),
      },
    }),
    page('no-upgrade-function', ['check'], {
      what: 'the bundled example with a new revision whose upgrade() is misspelt',
      files: {
        [NEXT_FILE]: migrationFile(
          '3c4d5e6f7a8b',
          `\n\n${UPGRADE.replace('def upgrade(', 'def upgade(')}${DOWNGRADE}`,
        ),
      },
    }),
    page('release-command-invalid', ['check'], {
      what: 'the bundled example with the Procfile line above',
      files: { Procfile: 'release: alembic upgrade head -c db/alembic.ini\n' },
    }),
    page('release-generates-migration', ['check'], {
      what: 'the bundled example with the Procfile line above',
      files: { Procfile: 'release: flask db migrate && flask db upgrade\n' },
    }),
    page('suppression-refused', ['check'], {
      what: "the bundled example with the revision above (its id longer than alembic_version's 32 characters)",
      files: {
        'migrations/versions/guest_lockout_and_password_reset_000000001_reset.py': migrationFile(
          'guest_lockout_and_password_reset_000000001',
          `\n\n${UPGRADE}${DOWNGRADE}`,
          '# alembic-preflight: ignore revision-id-too-long -- we widened the column\n',
        ),
      },
    }),
    page('url-variable-differs', ['verify'], {
      what: 'the bundled example whose env.py reads $SQLALCHEMY_DATABASE_URI, set to another SQLite file',
      database: atHead,
      env: { SQLALCHEMY_DATABASE_URI: 'sqlite:///other.db' },
      edit: {
        'migrations/env.py': (t) =>
          t.replace(
            'url = os.environ.get("DATABASE_URL")',
            'url = os.environ.get("SQLALCHEMY_DATABASE_URI")',
          ),
      },
    }),
    page('ini-url-differs', ['verify'], {
      what: "the bundled example whose env.py takes alembic.ini's URL (sqlite:///demo.db), with DATABASE_URL naming app.db",
      database: atHead,
      edit: {
        'migrations/env.py': (t) =>
          t.replace(/url = os\.environ\.get\("DATABASE_URL"\)\n(?:.*\n)*?.*set_main_option.*\n/u, ''),
      },
    }),
    page('redundant-merge-parent', ['check'], {
      what: 'the bundled example with x1, y1 (depends_on x1), z1 and the merge m1 of all three',
      files: MERGE_FILES,
    }),
    page('logging-config-broken', ['check'], {
      what: 'the bundled example with its settings in pyproject.toml and no alembic.ini',
      files: {
        'alembic.ini': null,
        'requirements.txt': 'alembic==1.16.5\nSQLAlchemy==2.0.36\n',
        'pyproject.toml': '[tool.alembic]\nscript_location = "%(here)s/migrations"\n',
      },
    }),
    page('database-unrelated', ['verify'], {
      what: "the bundled example on a database stamped other0002, whose ledger shows another app's history",
      database: {
        upTo: '2a3b4c5d6e7f',
        rows: ['other0002'],
        ledger: [
          ['other0001', null, 'v1'],
          ['other0002', 'other0001', 'v2'],
        ],
      },
    }),
    page('database-diverged', ['verify'], {
      what: 'the bundled example plus yyyy2222, on a database a release of another branch moved to xxxx1111',
      files: { 'migrations/versions/yyyy2222_add_audit.py': revisionFile('yyyy2222', '"2a3b4c5d6e7f"') },
      database: {
        upTo: '2a3b4c5d6e7f',
        rows: ['xxxx1111'],
        ledger: [
          ['1f2a3b4c5d6e', null, 'v1'],
          ['2a3b4c5d6e7f', '1f2a3b4c5d6e', 'v2'],
          ['xxxx1111', '2a3b4c5d6e7f', 'v5'],
        ],
      },
    }),
    page('platform-targets-differ', ['verify'], {
      what: 'the bundled example one revision behind, with the Procfile and fly.toml above, off any platform',
      database: { upTo: '1f2a3b4c5d6e', rows: ['1f2a3b4c5d6e'] },
      files: {
        Procfile: 'release: alembic upgrade head\n',
        'fly.toml': '[deploy]\nrelease_command = "alembic upgrade nope1"\n',
      },
    }),
    page('review-app-shares-database', ['check'], {
      what: 'the bundled example with the app.json above and a Procfile whose release line runs `alembic upgrade head`',
      files: {
        Procfile: 'release: alembic upgrade head\n',
        'app.json': `${JSON.stringify({ addons: ['heroku-postgresql'], environments: { review: { addons: ['heroku-redis'] } } }, null, 2)}\n`,
      },
    }),
    page('database-owned-elsewhere', ['release'], {
      what: "the example one revision behind, whose ledger shows shop-prod's release v7 applied 1f2a3b4c5d6e, released by a review app",
      database: {
        upTo: '1f2a3b4c5d6e',
        rows: ['1f2a3b4c5d6e'],
        ledger: [['1f2a3b4c5d6e', null, 'v7', undefined, 'shop-prod']],
      },
      env: { DYNO: 'release.1', HEROKU_PR_NUMBER: '42', HEROKU_BRANCH: 'feature-notes' },
    }),
    page('rollback-loses-schema', ['verify'], {
      what: 'the bundled example on a database a newer release moved to c3slim, which dropped a column this code creates',
      database: {
        upTo: '2a3b4c5d6e7f',
        rows: ['c3slim'],
        sql: ['ALTER TABLE guest_sessions DROP COLUMN failed_attempts'],
        ledger: [
          ['1f2a3b4c5d6e', null, 'v1'],
          ['2a3b4c5d6e7f', '1f2a3b4c5d6e', 'v2'],
          ['c3slim', '2a3b4c5d6e7f', 'v9', SLIM_GUEST_SESSIONS],
        ],
      },
    }),
    page('migration-partly-applied', ['verify'], {
      what: 'the bundled example plus 3b4c5d6e7f80, whose last run stopped after its first two steps (SQLite, like MySQL, commits each one)',
      files: { 'migrations/versions/3b4c5d6e7f80_lockout.py': LOCKOUT },
      database: {
        upTo: '2a3b4c5d6e7f',
        rows: ['2a3b4c5d6e7f'],
        sql: [
          'CREATE TABLE lockouts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL)',
          'ALTER TABLE users ADD COLUMN nickname VARCHAR(40)',
        ],
      },
    }),
    page('data-fails-step', ['verify'], {
      what: 'the bundled example with a new revision that adds a NOT NULL column with no default, on a database with three users',
      database: { upTo: '2a3b4c5d6e7f', rows: ['2a3b4c5d6e7f'], sql: USERS },
      files: {
        [NEXT_FILE]: migrationFile(
          '3c4d5e6f7a8b',
          `\n\ndef upgrade():\n    op.add_column("users", sa.Column("display_name", sa.String(80), nullable=False))\n\n\ndef downgrade():\n    op.drop_column("users", "display_name")\n`,
        ),
      },
    }),
    page('data-not-checked', ['verify'], {
      what: 'the bundled example with a new revision that lower-cases every email, then makes the lower-cased emails unique',
      database: { upTo: '2a3b4c5d6e7f', rows: ['2a3b4c5d6e7f'], sql: USERS },
      files: {
        [NEXT_FILE]: migrationFile(
          '3c4d5e6f7a8b',
          `\n\ndef upgrade():\n    op.execute("UPDATE users SET email = lower(email)")\n    op.create_index("ix_users_email_lower", "users", ["email"], unique=True)\n\n\ndef downgrade():\n    op.drop_index("ix_users_email_lower")\n`,
        ),
      },
    }),
    page('upgrade-will-fail', ['verify', '--target', 'heads'], {
      name: 'upgrade-will-fail-merge',
      what: 'an empty database and the bundled example with x1, y1 (depends_on x1), z1 and the merge m1 of all three',
      database: 'empty',
      files: MERGE_FILES,
    }),
    page('other-databases-not-verified', ['verify'], {
      what: "the bundled example with an env.py that migrates each database alembic.ini's databases lists (engine1 is app.db)",
      database: atHead,
      files: { 'migrations/env.py': MULTIDB_ENV },
      edit: {
        'alembic.ini': (t) =>
          t.replace(
            'sqlalchemy.url = sqlite:///demo.db\n',
            'databases = engine1, engine2\n\n[engine1]\nsqlalchemy.url = sqlite:///app.db\n\n[engine2]\nsqlalchemy.url = sqlite:///audit.db\n',
          ),
      },
    }),
  ];
}

const BEGIN = (name) => `<!-- sample: ${name} (made by npm run docs:samples) -->`;
const END = '<!-- /sample -->';

/** `doc` with each of its samples' blocks replaced by `outputOf(sample)`; throws when a block is missing. */
export function renderSamples(doc, samples, outputOf) {
  let out = doc;
  for (const sample of samples) {
    const begin = BEGIN(sample.name);
    const start = out.indexOf(begin);
    const end = start < 0 ? -1 : out.indexOf(END, start);
    if (start < 0 || end < 0)
      throw new Error(`${sample.doc} has no block for ${sample.name}: put ${begin} and ${END} where it goes`);
    const text = outputOf(sample).replace(/\s+$/u, '');
    // a finding's or a JSON sample says which situation made it
    const caption = (sample.finding || sample.json) && sample.what ? `On ${sample.what}:\n\n` : '';
    const fence = sample.json ? 'json' : 'text';
    out = `${out.slice(0, start)}${begin}\n${caption}\`\`\`${fence}\n${text}\n\`\`\`\n${out.slice(end)}`;
  }
  return out;
}

/**
 * What the command prints in the sample's situation (by default the incident's database: what
 * 1f2a3b4c5d6e creates, then the one row guest_lockout_001): stdout and stderr in one stream, as
 * Heroku's release log shows them; for a finding's sample, that finding after its command line.
 */
export function sampleOutput(sample) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-sample-'));
  try {
    cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
    for (const [file, text] of Object.entries(sample.files ?? {})) {
      if (text === null) rmSync(path.join(dir, file));
      else {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      }
    }
    for (const [file, change] of Object.entries(sample.edit ?? {}))
      writeFileSync(path.join(dir, file), change(readFileSync(path.join(dir, file), 'utf8')));
    const database = sample.database ?? { upTo: '1f2a3b4c5d6e', rows: ['guest_lockout_001'] };
    const db = new Database(path.join(dir, 'app.db'));
    try {
      if (database !== 'empty') migrateAndStamp(db, database.upTo, database.rows);
      for (const sql of database.sql ?? []) db.exec(sql);
      if (database.ledger) writeLedger(db, dir, database.ledger);
    } finally {
      db.close();
    }
    const log = path.join(dir, 'merged.log');
    const fd = openSync(log, 'w');
    try {
      spawnSync(process.execPath, [path.join(REPO, 'bin', 'alembic-preflight.js'), ...sample.args], {
        cwd: dir,
        stdio: ['ignore', fd, fd],
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: 'sqlite:///app.db',
          ALEMBIC_PREFLIGHT_CACHE: 'off',
          ...sample.env,
        },
      });
    } finally {
      closeSync(fd);
    }
    // the run's temp folder reads as the folder a Heroku dyno runs the app in
    const out = readFileSync(log, 'utf8')
      .replace(/\(\d+\.\d s, exit (\d+)\)/gu, '(0.1 s, exit $1)')
      .replaceAll(dir, '/app');
    if (sample.json) return jsonSample(out, sample.json);
    return sample.finding
      ? `$ alembic-preflight ${sample.args.join(' ')}\n${findingLines(out, sample.finding)}`
      : out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The ledger rows releases would have written: `[revision, down, release, body?, app?]`, each with its
 * file's path and SHA-256 (a revision this code has no file for: `body`'s, and the steps read from it).
 */
function writeLedger(db, dir, rows) {
  db.exec(createLedgerSql(DEFAULT_LEDGER_TABLE, null));
  const insert = db.prepare(
    `INSERT INTO ${DEFAULT_LEDGER_TABLE} (${LEDGER_COLUMNS.join(', ')}, steps) VALUES (${LEDGER_COLUMNS.map(() => '?').join(', ')}, ?)`,
  );
  const files = readdirSync(path.join(dir, 'migrations', 'versions'));
  rows.forEach(([revision, down, release, body, app], i) => {
    const file = files.find((f) => f.startsWith(`${revision}_`));
    const rel = `migrations/versions/${file ?? `${revision}_step.py`}`;
    const bytes = file ? readFileSync(path.join(dir, rel)) : Buffer.from(body ?? revision);
    const row = {
      revision,
      downRevisions: down === null ? [] : [down],
      branchLabels: [],
      dependsOn: [],
      path: rel,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      appliedAt: `2026-11-${String(10 + i).padStart(2, '0')}T10:00:00.000Z`,
      appliedBy: {
        HEROKU_RELEASE_VERSION: release,
        DYNO: 'release.1',
        heads: revision,
        ...(app !== undefined ? { app } : {}),
      },
      // what a release records of a file's steps, as it reads them
      ...(body !== undefined ? ledgerSteps(body) : {}),
    };
    insert.run(...ledgerValues(row), stepsValue(row));
  });
}

/** A JSON document as the tool prints it, or (given field names) only those fields of it. */
function jsonSample(out, fields) {
  if (fields === true) return out;
  const doc = JSON.parse(out);
  return JSON.stringify(Object.fromEntries(fields.map((f) => [f, doc[f]])), null, 2);
}

/** The lines of each `code` finding in a text report: its first line and the indented lines under it. */
export function findingLines(report, code) {
  const lines = report.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (!new RegExp(`^(error|warning|info) \\[${code}\\] `, 'u').test(lines[i])) continue;
    if (out.length > 0) out.push('');
    out.push(lines[i]);
    while (i + 1 < lines.length && lines[i + 1].startsWith(' ')) out.push(lines[++i]);
  }
  if (out.length === 0) throw new Error(`the sample's output has no ${code} finding:\n${report}`);
  return out.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const docName of [...new Set(SAMPLES.map((s) => s.doc))]) {
    const file = path.join(REPO, docName);
    const doc = readFileSync(file, 'utf8');
    const made = renderSamples(
      doc,
      SAMPLES.filter((s) => s.doc === docName),
      sampleOutput,
    );
    if (made === doc) continue;
    stale++;
    if (check) process.stderr.write(`${docName}: a sample is stale; run npm run docs:samples\n`);
    else writeFileSync(file, made);
  }
  process.exit(check && stale > 0 ? 1 : 0);
}
