#!/usr/bin/env node
// Checks verify's predictions against real Alembic running a real app's migrations, bodies and all.
// For one app's versions folder (Alembic or Flask-Migrate), it makes a throwaway project: the revision
// files copied as they are, an env.py of its own (URL from DATABASE_URL, target_metadata = None, one
// transaction per run as Alembic's template; imports of modules not installed here get stand-ins that
// raise when a body uses them, see replay-bodies.py) and an alembic.ini. Then, per dialect (SQLite;
// PostgreSQL on a throwaway cluster it starts with initdb/pg_ctl on a free loopback port and always
// stops; with --dialect mysql, MariaDB on a throwaway server it starts and always stops, see
// replay-bodies-db.mjs) and per state k = 0 (empty database) … n along `alembic history` order: real
// `alembic upgrade <rev_k>` on a working database, a copy of it (SQLite: the file; PostgreSQL: CREATE
// DATABASE … TEMPLATE; MariaDB: CREATE DATABASE and the working one's mariadb-dump loaded into it),
// `verify --format json` on the copy, then real `alembic upgrade head` on the copy.
// The working database goes from one state to the next with `alembic upgrade <rev_k>`, which leaves
// what a fresh database upgraded to rev_k has (with branches, also the other branches' earlier states).
// OK + rc 0 and BLOCKED + rc ≠ 0 agree; OK + rc ≠ 0 is a false OK, BLOCKED + rc 0 a false block, exit 2
// a configuration stop. A real failure inside a stand-in (the body ran application code), or Flask's
// "outside of application context", is counted as app code, not as a disagreement. Before the states,
// one `alembic upgrade head` from an empty database finds the first revision whose body runs app code;
// when there is one, every state before it is compared on `upgrade <its down_revision>` (verify
// --target the same) instead of head, which all of them would hit (base when it is the first revision;
// a merge revision keeps head), and the states from it on are not made. `check` runs once per app.
// A developer tool for docs/real-projects.md, like replay-deploys.mjs; the apps stay out of this repository.
//
//   node scripts/replay-bodies.mjs --versions DIR [--versions DIALECT=DIR …] [--name OWNER/NAME@COMMIT]
//        [--dialect sqlite] [--dialect postgresql] [--dialect mysql] [--max-states 40] [--flask-config KEY=VALUE …]
//        [--engines NAME,NAME [--version-table 'alembic_version_{engine}']] [--stand-in APP.NAME=LIB.NAME …] [--json]
//
// --versions DIALECT=DIR (sqlite=…, postgresql=…, mysql=…) gives a folder per dialect: env.py then sets
// context.script.version_locations under `if connection.dialect.name == …`, as such apps do.
// More than --max-states states per dialect are sampled evenly (first and last kept). --flask-config runs
// the migrations inside a bare Flask app context with that config, as `flask db upgrade` runs them inside
// the app's (for bodies that read current_app.config).
// --engines runs a multi-database app (Alembic's multidb template, Flask-Migrate's init --multidb: each
// revision's upgrade(engine_name) calls upgrade_<engine>()): alembic.ini gets `databases = NAME, NAME`,
// env.py is the template's (one connection and transaction per database, run_migrations(engine_name=…),
// URLs from DATABASE_URL_<NAME>, the version table --version-table names per engine), and each state has
// one database per engine, all copied; verify runs once per database, as other-databases-not-verified
// asks, and the prediction is BLOCKED when any of them is. --stand-in gives an app's name a library's
// in its place, where the body would otherwise stop at it as app code: a column type the type it is
// stored as (JSONPickleType, a PickleType with impl = Text: sqlalchemy.Text), a logger factory
// logging.getLogger. Only for names whose source says they are that and no more.
// Prints one line per disagreement and a summary (--json: one line of JSON); exit 1 on any
// disagreement, 2 on a usage error.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DIALECTS, makeDatabases } from './replay-bodies-db.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'bin', 'alembic-preflight.js');
const STUBS = path.join(HERE, 'replay-bodies.py');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
/** A failure that comes from running application code: a stand-in used, or Flask's app context missing. */
const APP_CODE = /AppCodeUsed|outside of application context/u;

const { values } = parseArgs({
  options: {
    versions: { type: 'string', multiple: true, default: [] },
    name: { type: 'string' },
    dialect: { type: 'string', multiple: true, default: [] },
    'max-states': { type: 'string', default: '40' },
    'flask-config': { type: 'string', multiple: true, default: [] },
    engines: { type: 'string' },
    'stand-in': { type: 'string', multiple: true, default: [] },
    'version-table': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const usage = () => {
  console.error(
    'usage: replay-bodies.mjs --versions DIR [--versions DIALECT=DIR …] [--name OWNER/NAME@COMMIT] [--dialect sqlite|postgresql|mysql …] [--max-states N] [--flask-config KEY=VALUE …] [--engines NAME,NAME [--version-table T]] [--stand-in APP.NAME=LIB.NAME …] [--json]',
  );
  process.exit(2);
};
/** Engine names for a multi-database app (alembic.ini's `databases`), else [null]: one database. */
const engines = values.engines ? values.engines.split(/,\s*/u).filter(Boolean) : [null];
const multidb = engines[0] !== null;
/** The version table, `{engine}` replaced by the engine's name. */
const versionTable = (e) => values['version-table']?.replaceAll('{engine}', e ?? '');
const dialects = values.dialect.length > 0 ? values.dialect : ['sqlite', 'postgresql'];
const maxStates = Number(values['max-states']);
if (multidb && engines.some((e) => !/^\w+$/u.test(e))) usage();
if (values.versions.length === 0 || dialects.some((d) => !DIALECTS.includes(d)) || !(maxStates >= 2)) usage();
/** dialect → folders ('*' for every dialect) */
const folders = new Map();
for (const v of values.versions) {
  const m = new RegExp(`^(${DIALECTS.join('|')})=(.*)$`, 'u').exec(v);
  const [key, dir] = m ? [m[1], m[2]] : ['*', v];
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) usage();
  folders.set(key, [...(folders.get(key) ?? []), path.resolve(dir)]);
}
const perDialect = !folders.has('*');
if (perDialect && multidb) usage();
// an app's name, standing in as a library's (its column type as the type it is stored as)
const standIns = Object.fromEntries(
  values['stand-in'].map((kv) => {
    const m = /^(\w[\w.]*)=(\w[\w.]*\.\w+)$/u.exec(kv);
    if (!m) usage();
    return [m[1], m[2]];
  }),
);
const flaskConfig = new Map(
  values['flask-config'].map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1) usage();
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
const name = values.name ?? path.basename(path.resolve(values.versions[0]));
const started = Date.now();
const root = mkdtempSync(path.join(os.tmpdir(), 'replay-bodies-'));
const cacheDir = path.join(root, 'cache');

// the throwaway project: versions folders copied as they are, our env.py and alembic.ini
const proj = path.join(root, 'project');
mkdirSync(proj, { recursive: true });
const copied = new Map(); // key → folder names in proj
for (const [key, dirs] of folders) {
  copied.set(
    key,
    dirs.map((dir, i) => {
      const into = `versions${key === '*' ? '' : `_${key}`}${i > 0 ? `_${i}` : ''}`;
      mkdirSync(path.join(proj, into));
      for (const f of readdirSync(dir)) {
        if (statSync(path.join(dir, f)).isFile()) copyFileSync(path.join(dir, f), path.join(proj, into, f));
      }
      return into;
    }),
  );
}
copyFileSync(STUBS, path.join(proj, 'replay_bodies_stubs.py'));
const pyList = (names) =>
  `[${names.map((n) => `os.path.join(os.path.dirname(__file__), "${n}")`).join(', ')}]`;
const versionBlock = perDialect
  ? [...copied]
      .map(
        ([d, names], i) =>
          `        ${i === 0 ? 'if' : 'elif'} connection.dialect.name == "${d}":\n            context.script.version_locations = ${pyList(names)}`,
      )
      .join('\n') + '\n        context.script.__dict__.pop("_version_locations", None)\n'
  : '';
const ENV_PY = `import os
import re
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay_bodies_stubs  # noqa: E402

config = context.config
fileConfig(config.config_file_name)
target_metadata = None


${
  multidb
    ? `# Alembic's multidb template: the migrations run once per database alembic.ini's \`databases\` lists,
# all in one transaction per database, each with its own version table; URLs from DATABASE_URL_<name>
def run_migrations_online():
    recs = {}
    for name in re.split(r",\\s*", config.get_main_option("databases")):
        conn = create_engine(os.environ["DATABASE_URL_" + name], poolclass=pool.NullPool).connect()
        recs[name] = (conn, conn.begin())
    replay_bodies_stubs.install(context.script._version_locations)
    try:
        for name, (conn, _) in recs.items():
            context.configure(
                connection=conn,
                upgrade_token="%s_upgrades" % name,
                downgrade_token="%s_downgrades" % name,
                target_metadata=None,${values['version-table'] ? `\n                version_table=${JSON.stringify(values['version-table'].replace('{engine}', '%s'))} % name,` : ''}
            )
            context.run_migrations(engine_name=name)
        for _, tx in recs.values():
            tx.commit()
    except Exception:
        for _, tx in recs.values():
            tx.rollback()
        raise
    finally:
        for conn, _ in recs.values():
            conn.close()
`
    : `def run_migrations_online():
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
${versionBlock}        replay_bodies_stubs.install(context.script._version_locations)
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
`
}

${
  flaskConfig.size > 0
    ? `# as \`flask db upgrade\` does: inside an app context (a bare one, with --flask-config)
from flask import Flask  # noqa: E402

app = Flask("replay_bodies")
app.config.update(${JSON.stringify(Object.fromEntries(flaskConfig))})
with app.app_context():
    run_migrations_online()
`
    : 'run_migrations_online()\n'
}`;
writeFileSync(path.join(proj, 'env.py'), ENV_PY);
const iniFolders = (copied.get('*') ?? copied.get('sqlite') ?? [...copied.values()][0]).map((n) =>
  path.join(proj, n),
);
writeFileSync(
  path.join(proj, 'alembic.ini'),
  `[alembic]
script_location = ${proj}
version_locations = ${iniFolders.join(' ')}
sqlalchemy.url = sqlite:///${path.join(root, 'check.db')}${multidb ? `\ndatabases = ${engines.join(', ')}` : ''}

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
`,
);
const INI = path.join(proj, 'alembic.ini');

function run(cmd, args, env = {}) {
  return spawnSync(cmd, args, {
    cwd: proj,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, REPLAY_STAND_INS: JSON.stringify(standIns), ...env },
  });
}

/** A database's name for an engine (multidb: one database per engine). */
const dbName = (base, e) => (e === null ? base : `${base}_${e}`);
/** The URL variables env.py reads, for urls[i] the URL of engines[i]. */
const urlEnv = (urls) =>
  Object.fromEntries(engines.map((e, i) => [e === null ? 'DATABASE_URL' : `DATABASE_URL_${e}`, urls[i]]));

/** Real Alembic: rc, the last line of its output, and the revision it was running when it stopped. */
function alembic(urls, ...args) {
  const r = run(PYTHON, ['-m', 'alembic', '-c', INI, ...args], urlEnv(urls));
  const out = `${r.stderr ?? ''}`;
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const running = [...out.matchAll(/Running upgrade .*?-> (\S+?),? /gu)].map((m) => m[1]);
  return {
    rc: r.status ?? 1,
    // the exception line, not SQLAlchemy's trailing [SQL: …] and (Background on this error …) lines
    last:
      r.status === 0
        ? null
        : (
            lines.findLast((l) => /^(?:FAILED:|[\w.]*(?:Error|Exception|Used|Exit)\b)/u.test(l)) ??
            lines.at(-1) ??
            ''
          ).slice(0, 300),
    failedAt: r.status === 0 ? null : (running.at(-1) ?? null),
    appCode: r.status !== 0 && APP_CODE.test(out),
  };
}

function preflight(command, url, target = 'head', engine = null) {
  const args = [BIN, command, '--format', 'json', '--alembic-version', '1.8.1', '--python-version', '3.11'];
  args.push('-c', INI, '--cache-dir', cacheDir);
  if (command === 'verify') args.push('--no-git');
  if (target !== 'head') args.push('--target', target);
  if (command === 'verify' && versionTable(engine)) args.push('--version-table', versionTable(engine));
  const r = run(process.execPath, args, url ? { DATABASE_URL: url } : {});
  let doc = null;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    // an error document on stderr, or nothing
  }
  const findings = doc?.findings ?? [];
  const errors = findings.filter((f) => f.severity === 'error');
  return {
    exit: r.status,
    verdict: doc?.verdict?.word ?? null,
    codes: [...new Set(findings.map((f) => f.code))],
    errorCodes: [...new Set(errors.map((f) => f.code))],
    errors: errors.slice(0, 2).map((f) => `${f.code}: ${f.message}`.slice(0, 400)),
    predictedAt: [...new Set(errors.flatMap((f) => `${f.revision ?? ''}`.split(/,\s*/u)).filter(Boolean))],
    message:
      r.status === 2 || doc === null
        ? (
            doc?.error?.message ??
            doc?.message ??
            `${r.stderr}${r.stdout}`.trim().split('\n').at(-1) ??
            ''
          ).slice(0, 300)
        : null,
  };
}

/** Several databases' verify reports as one prediction: blocked if any is, a stop if any stops. */
function combined(reports) {
  if (reports.length === 1) return reports[0];
  const union = (key) => [...new Set(reports.flatMap((r) => r[key]))];
  const stop = reports.find((r) => r.exit === 2 || r.verdict === null);
  return {
    exit: stop?.exit ?? Math.max(...reports.map((r) => r.exit)),
    verdict: stop ? null : reports.some((r) => r.verdict === 'BLOCKED') ? 'BLOCKED' : 'OK',
    codes: union('codes'),
    errorCodes: union('errorCodes'),
    errors: reports.flatMap((r) => r.errors).slice(0, 2),
    predictedAt: union('predictedAt'),
    message: stop?.message ?? null,
  };
}

const { dbs: databases, stopAll } = makeDatabases(root);
function cleanup() {
  stopAll();
  rmSync(root, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

/** k indices 0..n, at most max of them, evenly spread, first and last kept. */
function sample(n, max) {
  if (n + 1 <= max) return [...Array(n + 1).keys()];
  return [...new Set([...Array(max).keys()].map((i) => Math.round((i * n) / (max - 1))))];
}

const result = {
  app: name,
  engines: multidb ? engines : null,
  revisions: null,
  stubbed: [],
  check: null,
  dialects: {},
  excluded: [],
  disagreements: [],
  blockedElsewhere: [],
  seconds: 0,
};
let exitCode = 0;
try {
  const check = preflight('check');
  result.check = { exit: check.exit, errorCodes: check.errorCodes, message: check.message };
  for (const dialect of dialects) {
    const own = copied.get(dialect) ?? copied.get('*');
    if (!own) continue;
    const h = run(PYTHON, ['replay_bodies_stubs.py', INI, ...own.map((n) => path.join(proj, n))]);
    if (h.status !== 0) {
      result.excluded.push({
        dialect,
        reason: `the revisions do not load: ${h.stderr.trim().split('\n').at(-1)}`,
      });
      continue;
    }
    const hist = JSON.parse(h.stdout);
    result.revisions ??= hist.order.length;
    result.stubbed = hist.stubbed;
    const db = databases[dialect];
    await db.start();
    // From an empty database, `upgrade head` stops at the first revision whose body runs app code, and so
    // would every state before it: those states are compared on `upgrade <its down_revision>` instead.
    const n = hist.order.length;
    const fresh = alembic(
      engines.map((e) => db.init(dbName('work', e))),
      'upgrade',
      'head',
    );
    let target = 'head';
    const downs = fresh.appCode && fresh.failedAt ? (hist.down[fresh.failedAt] ?? []) : null;
    if (downs?.length === 1) target = downs[0];
    else if (downs?.length === 0) target = 'base';
    const lastK = target === 'head' ? n : target === 'base' ? 0 : hist.order.indexOf(target) + 1;
    const ks = sample(lastK, maxStates);
    const tally = {
      target,
      appCodeAt: downs ? fresh.failedAt : null,
      freshFailure: fresh.rc === 0 ? null : { at: fresh.failedAt, appCode: fresh.appCode, last: fresh.last },
      states: ks.length,
      beyondTarget: n - lastK,
      sampled: ks.length < lastK + 1,
      run: 0,
      agree: 0,
      agreeSameRevision: 0,
      falseOk: 0,
      falseBlock: 0,
      configStops: 0,
      appCode: 0,
      notBuilt: 0,
      merges: hist.merges.length,
      heads: hist.heads.length,
      realFailures: 0,
    };
    result.dialects[dialect] = tally;
    const work = engines.map((e) => db.init(dbName('work', e)));
    let built = true;
    for (const k of ks) {
      // let a SIGINT/SIGTERM handler run between states (the steps themselves are synchronous)
      await setImmediate();
      const rev = k === 0 ? 'base' : hist.order[k - 1];
      if (!built) {
        tally.notBuilt++;
        continue;
      }
      if (k > 0) {
        const b = alembic(work, 'upgrade', rev);
        if (b.rc !== 0) {
          built = false;
          tally.notBuilt++;
          result.excluded.push({
            dialect,
            revision: b.failedAt,
            reason: `${b.appCode ? 'its body runs app code' : 'a fresh upgrade fails'}: ${b.last}`,
            states: `k ≥ ${k} not run`,
          });
          continue;
        }
      }
      const urls = engines.map((e) => db.copy(dbName('work', e), dbName('snap', e)));
      try {
        // multidb: verify once per database, as other-databases-not-verified asks
        const v = combined(engines.map((e, i) => preflight('verify', urls[i], target, e)));
        const t = alembic(urls, 'upgrade', target);
        tally.run++;
        if (t.rc !== 0) tally.realFailures++;
        const where = `${dialect} k=${k} (${rev})`;
        let kind;
        if (v.exit === 2 || v.verdict === null) {
          kind = 'config-stop';
          tally.configStops++;
        } else if (t.appCode) {
          kind = 'app-code';
          tally.appCode++;
        } else if (v.verdict === 'OK' && t.rc === 0) {
          kind = 'agree';
        } else if (v.verdict === 'BLOCKED' && t.rc !== 0) {
          kind = 'agree';
          if (v.predictedAt.includes(t.failedAt ?? '')) tally.agreeSameRevision++;
          else
            result.blockedElsewhere.push({
              where,
              codes: v.errorCodes,
              predictedAt: v.predictedAt,
              failedAt: t.failedAt,
              last: t.last,
            });
        } else if (v.verdict === 'OK') {
          kind = 'false-ok';
          tally.falseOk++;
        } else {
          kind = 'false-block';
          tally.falseBlock++;
        }
        if (kind === 'agree') tally.agree++;
        if (kind !== 'agree' && kind !== 'app-code') {
          const d = {
            kind,
            where,
            verdict: v.verdict,
            exit: v.exit,
            codes: v.codes,
            predictedAt: v.predictedAt,
            errors: v.errors,
            rc: t.rc,
            failedAt: t.failedAt,
            last: t.last,
            message: v.message,
          };
          result.disagreements.push(d);
          if (kind !== 'config-stop') exitCode = 1;
          if (!values.json)
            console.log(
              `${name} ${where} ${kind.toUpperCase()}: verify ${v.verdict ?? `exit ${v.exit}`} [${v.codes.join(' ')}]${v.message ? ` (${v.message})` : ''}; alembic rc ${t.rc}${t.failedAt ? ` at ${t.failedAt}` : ''}${t.last ? `: ${t.last}` : ''}`,
            );
        }
      } finally {
        for (const e of engines) db.drop(dbName('snap', e));
      }
    }
  }
} finally {
  cleanup();
}
result.seconds = Math.round((Date.now() - started) / 1000);
if (values.json) console.log(JSON.stringify(result));
else {
  for (const e of result.excluded)
    console.log(
      `${name} excluded (${e.dialect}${e.revision ? ` ${e.revision}` : ''}): ${e.reason}${e.states ? `; ${e.states}` : ''}`,
    );
  for (const b of result.blockedElsewhere)
    console.log(
      `${name} ${b.where} blocked, but at another revision: predicted ${b.predictedAt.join(' ')} [${b.codes.join(' ')}]; alembic failed at ${b.failedAt}: ${b.last}`,
    );
  for (const [d, t] of Object.entries(result.dialects))
    console.log(
      `${name} ${d}: ${t.target === 'head' ? 'upgrade head' : `upgrade ${t.target} (before ${t.appCodeAt ?? '?'}, the first revision whose body runs app code; ${t.beyondTarget} states after it not made)`}; ${t.run} of ${t.states} states run${t.sampled ? ' (sampled)' : ''}, ${t.agree} agree (${t.agreeSameRevision} blocked at the revision predicted), ${t.falseOk} false OK, ${t.falseBlock} false block, ${t.configStops} configuration stops, ${t.appCode} app code, ${t.realFailures} real failures`,
    );
  console.log(
    `${name}: ${result.revisions ?? '?'} revisions; check exit ${result.check?.exit} [${result.check?.errorCodes.join(' ')}]; stubbed ${result.stubbed.join(' ') || 'nothing'}; ${result.seconds}s`,
  );
}
process.exit(exitCode);
