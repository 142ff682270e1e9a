import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { expectChildRunsClean, fuzzFolder } from '../helpers/fuzz-child.js';
import { REPO } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';

// env.py is read by a dozen token-level readers (the URL it stores, the variables it reads, its logging
// set-up, its search path, where it hands over to the app), each looking for a shape and walking tokens
// around it. Real env.py files are arbitrary Python: a reader that assumes the token after `replace(` is
// a string once looped forever on `db_url.replace(dialect="mysql+pymysql")` (openstack/skyline-apiserver),
// which would have held a release phase until Heroku killed it. This builds env.py files from the pieces
// real ones are made of, then breaks them (tokens dropped, repeated, swapped, strings turned into names,
// cut short), and runs every reader and the whole of `check` on them in a child with a deadline, so that a
// hang fails the test, naming the file, instead of hanging CI.

const PIECES = [
  'import os',
  'import sys',
  'from alembic import context',
  'from logging.config import fileConfig',
  'from sqlalchemy import engine_from_config, pool, create_engine',
  'from myapp.models import Base',
  'from myapp import settings as S',
  'sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))',
  'config = context.config',
  'if config.config_file_name is not None:\n    fileConfig(config.config_file_name)',
  'fileConfig(config.config_file_name, disable_existing_loggers=False)',
  'url = os.environ["DATABASE_URL"]',
  'url = os.getenv("DATABASE_URL", "sqlite:///app.db")',
  'url = os.environ.get("DB_URL").replace("postgres://", "postgresql://", 1)',
  'url = url.replace("%", "%%")',
  'db_url = db_url.replace(dialect="mysql+pymysql")',
  'url = url.replace(OLD, NEW)',
  'url = str(S.DATABASE_URL).replace(*PAIR)',
  'url = f"postgresql://{user}:{pw}@{host}/db"',
  'config.set_main_option("sqlalchemy.url", url)',
  "config.set_main_option('sqlalchemy.url', url.replace('%', '%%'))",
  'config.set_main_option("sqlalchemy.url", "postgresql://app:p%40ss@db/app")',
  'config.set_section_option(config.config_ini_section, "sqlalchemy.url", os.environ["DATABASE_URL"])',
  'config.set_main_option(KEY, url)',
  'target_metadata = Base.metadata',
  'def run_migrations_offline():\n    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)\n    with context.begin_transaction():\n        context.run_migrations()',
  'def run_migrations_online():\n    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)\n    with connectable.connect() as connection:\n        context.configure(connection=connection, target_metadata=target_metadata, version_table="alembic_version_app")\n        with context.begin_transaction():\n            context.run_migrations()',
  'def run_migrations_online():\n    engine = create_engine(url, isolation_level="AUTOCOMMIT")\n    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:\n        context.configure(connection=connection)\n        context.run_migrations()',
  'async def run_async_migrations():\n    from myapp.db import engine\n    async with engine.connect() as connection:\n        await connection.run_sync(do_run_migrations)',
  'if context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    run_migrations_online()',
  'if not context.is_offline_mode(): run_migrations_online()\nelse: run_migrations_offline()',
  'asyncio.run(run_async_migrations())',
  'from myapp.migrate import run\nrun(context)',
  'try:\n    url = os.environ["DATABASE_URL"]\nexcept KeyError:\n    url = "sqlite://"',
  '"""env.py with a docstring: config.set_main_option("sqlalchemy.url", x)"""',
  '# config.set_main_option("sqlalchemy.url", url)',
];

/** Python-ish tokens: strings, names, numbers, operators, newlines and indentation kept as written. */
const TOKEN = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\w+|\n[ \t]*|[^\s\w]|[ \t]+/gu;
const STRAYS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  ',',
  '.',
  '=',
  '"',
  "'",
  '"""',
  '\\',
  '\n',
  '\n    ',
  'replace',
  '(',
  '%',
  'set_main_option',
  'is_offline_mode',
  'if',
  'else',
  'def',
  'with',
  'async',
  'None',
];

/** One env.py: pieces in a random order, and, mostly, broken at a few places. */
function envPy(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = 3 + Math.floor(r() * 10);
  const text = Array.from({ length: n }, () => pick(PIECES)).join('\n');
  if (r() < 0.15) return text + '\n';
  const toks = text.match(TOKEN) ?? [];
  const edits = 1 + Math.floor(r() * 6);
  for (let e = 0; e < edits && toks.length > 0; e++) {
    const at = Math.floor(r() * toks.length);
    const kind = r();
    if (kind < 0.25) toks.splice(at, 1);
    else if (kind < 0.4) toks.splice(at, 0, toks[at]!);
    else if (kind < 0.55) toks.splice(at, 0, pick(STRAYS));
    else if (kind < 0.7 && at + 1 < toks.length) [toks[at], toks[at + 1]] = [toks[at + 1]!, toks[at]!];
    else if (kind < 0.85) toks[at] = /^["']/u.test(toks[at]!) ? 'name' : JSON.stringify(toks[at]);
    else toks.length = at;
  }
  return toks.join('');
}

const FILES = Number(process.env.ENV_FUZZ_FILES ?? 3000);
/** Of which this many also run through the whole of `check` (a project each). */
const PROJECTS = Number(process.env.ENV_FUZZ_PROJECTS ?? 150);
const BATCH = 500;
const tmp = fuzzFolder('preflight-env-fuzz-', process.env.ENV_FUZZ_DIR);

/** Runs in a child: every exported reader of env.py's modules on each file, then check (lints on) on the projects. */
const CHILD = `
import { readFileSync } from 'node:fs';
const dist = ${JSON.stringify(path.join(REPO, 'dist'))};
const READERS = ['env-py', 'env-url-options', 'env-database-url', 'env-setup-facts'];
const modules = await Promise.all(READERS.map((m) => import(dist + '/alembic/env/' + m + '.js')));
const { loadProject } = await import(dist + '/alembic/loading/project-model.js');
const { diskFiles } = await import(dist + '/project/project-files.js');
const { LATEST_ALEMBIC } = await import(dist + '/alembic/config/alembic-version.js');
const { checkModel } = await import(dist + '/workspace/open-project.js');
const { checkText } = await import(dist + '/report/text-report.js');
const readers = modules.flatMap((m) => Object.entries(m)).filter(([, f]) => typeof f === 'function');
if (readers.length < 10) throw new Error('the env.py readers export only ' + readers.length + ' functions');
const { files, projects } = JSON.parse(process.argv[1]);
for (const file of files) {
  process.stdout.write('START ' + file + '\\n');
  const source = readFileSync(file, 'utf8');
  for (const [name, f] of readers) {
    try {
      f(source, 'DATABASE_URL');
    } catch (e) {
      process.stdout.write('THROW ' + file + ' ' + name + ' ' + (e && e.stack || e) + '\\n');
    }
  }
}
for (const dir of projects) {
  process.stdout.write('START ' + dir + '\\n');
  try {
    checkText(await checkModel(await loadProject({ files: diskFiles(), cwd: dir, alembicVersion: LATEST_ALEMBIC }), { lint: true }));
  } catch (e) {
    process.stdout.write('THROW ' + dir + ' check ' + (e && e.stack || e) + '\\n');
  }
}
process.stdout.write('END\\n');
`;

function writeFiles(seed: number): { files: string[]; projects: string[] } {
  const r = rng(seed);
  const files: string[] = [];
  const projects: string[] = [];
  for (let k = 0; k < FILES; k++) {
    const text = envPy(r);
    if (k < PROJECTS) {
      const dir = path.join(tmp, `p${k}`);
      mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
      writeFileSync(
        path.join(dir, 'alembic.ini'),
        '[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n',
      );
      writeFileSync(
        path.join(dir, 'migrations', 'versions', 'a1_x.py'),
        'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
      );
      writeFileSync(path.join(dir, 'migrations', 'env.py'), text);
      files.push(path.join(dir, 'migrations', 'env.py'));
      projects.push(dir);
    } else {
      const file = path.join(tmp, `env${k}.py`);
      writeFileSync(file, text);
      files.push(file);
    }
  }
  return { files, projects };
}

describe('env.py readers on odd files', () => {
  it(`never throw and never hang on ${FILES} generated env.py files (${PROJECTS} of them through check)`, () => {
    const { files, projects } = writeFiles(Number(process.env.ENV_FUZZ_SEED ?? 11));
    const batches: { files: string[]; projects: string[] }[] = [];
    for (let i = 0; i < files.length; i += BATCH)
      batches.push({ files: files.slice(i, i + BATCH), projects: [] });
    for (let i = 0; i < projects.length; i += 50)
      batches.push({ files: [], projects: projects.slice(i, i + 50) });
    for (const batch of batches) {
      expectChildRunsClean(CHILD, batch, [...batch.files, ...batch.projects]);
    }
  }, 300_000);
});
