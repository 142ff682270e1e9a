#!/usr/bin/env node
// Compares alembic-preflight's revision graph with real Alembic's on a real project's migrations.
// A developer tool for the real-project passes recorded in docs/real-projects.md; not part of the tests,
// because the projects stay out of this repository.
//
//   node scripts/compare-real.mjs --versions DIR [--versions DIR …] [--recursive] [--strip] [--alembic-version latest]
//   node scripts/compare-real.mjs --cwd REPO --ini PATH/alembic.ini [-n NAME] [--strip]
//   (--json: one line of JSON instead of the summary, for scripts/compare-history.mjs)
//     (without --strip, real Alembic reads the same ini from the same folder, so the configuration is compared too)
//
// The oracle is test/oracle/alembic_graph.py with --stub-imports (migrations import application code that
// is not installed here). --strip gives the oracle a copy that keeps only the docstring and the
// module-level revision variables, for migrations that run application code at import; we still read
// the original files. `--alembic-version latest` models the newest Alembic and runs the oracle on the
// source checkout named by ALEMBIC_LATEST_SRC (recursive_version_locations needs it). Exit 0 when the graphs agree, 1 when they differ, 2 on a usage error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stripMigrations } from './strip-migrations.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'bin', 'alembic-preflight.js');
const ORACLE = path.resolve(HERE, '..', 'test', 'oracle', 'alembic_graph.py');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

const { values } = parseArgs({
  options: {
    versions: { type: 'string', multiple: true, default: [] },
    recursive: { type: 'boolean', default: false },
    strip: { type: 'boolean', default: false },
    cwd: { type: 'string' },
    ini: { type: 'string' },
    name: { type: 'string' },
    'alembic-version': { type: 'string', default: '1.8.1' },
    json: { type: 'boolean', default: false },
  },
});
const versions = values.versions.map((v) => path.resolve(v));
if ((versions.length === 0) === (values.ini === undefined)) {
  console.error(
    'usage: compare-real.mjs --versions DIR [--versions DIR …] [--recursive] [--strip]  |  --cwd REPO --ini PATH [--name NAME] [--strip]',
  );
  process.exit(2);
}

// ours: a throwaway ini naming the folders, or the project's own ini from its folder
let cwd;
let ours;
if (values.ini) {
  cwd = path.resolve(values.cwd ?? '.');
  ours = ['check', '--format', 'json', '--no-lint', '-c', values.ini];
  if (values.name) ours.push('-n', values.name);
} else {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'compare-real-'));
  const lines = ['[alembic]', 'script_location = .', `version_locations = ${versions.join(' ')}`];
  if (values.recursive) lines.push('recursive_version_locations = true');
  writeFileSync(path.join(cwd, 'alembic.ini'), lines.join('\n') + '\n');
  ours = ['check', '--format', 'json', '--no-lint'];
}
const run = spawnSync(process.execPath, [BIN, ...ours, '--alembic-version', values['alembic-version']], {
  cwd,
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (run.status !== 0 && run.status !== 1) {
  console.error(`alembic-preflight exited ${run.status}:\n${run.stderr}`);
  process.exit(2);
}
const o = JSON.parse(run.stdout);

// theirs: real Alembic on the same folders (as listed in our config), stripped when asked
let folders = o.config.versionLocations.map((v) => path.resolve(cwd, v));
if (values.strip) folders = folders.map((f) => stripOrExit(f));
// with the project's own ini and nothing stripped, real Alembic resolves the configuration too
const oracleArgs =
  values.ini && !values.strip
    ? [
        ORACLE,
        '--stub-imports',
        '--cwd',
        cwd,
        '--ini',
        path.resolve(cwd, values.ini),
        ...(values.name ? ['-n', values.name] : []),
      ]
    : [ORACLE, '--stub-imports', '--cwd', cwd, ...folders.flatMap((f) => ['--versions', f])];
if (values.recursive || o.config.recursive) oracleArgs.push('--recursive');
// recursive_version_locations and other newer behaviour need the newest Alembic on both sides
const latest =
  values['alembic-version'] === 'latest' && process.env.ALEMBIC_LATEST_SRC
    ? { PYTHONPATH: process.env.ALEMBIC_LATEST_SRC }
    : {};
const or = spawnSync(PYTHON, oracleArgs, {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
  env: { ...process.env, ...latest },
});
const answer = JSON.parse(or.stdout || '{}');
if (answer.ok === undefined) {
  console.error(`the oracle produced no graph:\n${or.stderr.slice(-2000)}`);
  process.exit(2);
}
// Alembic raised before it had a graph (a dangling down_revision, a cycle): only the failure is compared
const t = {
  alembic_version: answer.alembic,
  error: answer.ok ? undefined : answer.error,
  revisions: (
    answer.revisions ??
    o.graph.revisions.map((r) => ({
      revision: r.revision,
      downRevisions: r.downRevisions,
      ownLabels: r.branchLabels,
      dependsOn: r.dependsOn,
    }))
  ).map((r) => ({
    revision: r.revision,
    down_revisions: r.downRevisions,
    own_branch_labels: r.ownLabels,
    dependencies: r.dependsOn,
  })),
  heads: answer.heads ?? o.graph.heads,
  real_heads: answer.realHeads ?? o.graph.realHeads,
  bases: answer.bases ?? o.graph.bases,
  real_bases: answer.realBases ?? o.graph.realBases,
};

const sorted = (a) => JSON.stringify([...(a ?? [])].sort());
const byId = new Map(o.graph.revisions.map((r) => [r.revision, r]));
const diffs = [];
// a value the oracle's stub stood in for (an imported constant it could not import) is unknown to both
let stubbed = 0;
const field = (id, name, ours, theirs) => {
  if ((theirs ?? []).some((x) => typeof x === 'object' && x !== null && '__nonliteral__' in x)) stubbed++;
  else if (sorted(ours) !== sorted(theirs)) diffs.push(`${id}: ${name} ${sorted(ours)} vs ${sorted(theirs)}`);
};
for (const r of t.revisions) {
  const m = byId.get(r.revision);
  if (!m) diffs.push(`only Alembic has ${r.revision}`);
  else {
    field(r.revision, 'down', m.downRevisions, r.down_revisions);
    field(r.revision, 'labels', m.branchLabels, r.own_branch_labels);
    field(r.revision, 'depends_on', m.dependsOn, r.dependencies);
  }
}
const theirIds = new Set(t.revisions.map((r) => r.revision));
for (const id of byId.keys()) if (!theirIds.has(id)) diffs.push(`only alembic-preflight has ${id}`);
for (const [a, b] of [
  ['heads', 'heads'],
  ['realHeads', 'real_heads'],
  ['bases', 'bases'],
  ['realBases', 'real_bases'],
]) {
  if (sorted(o.graph[a]) !== sorted(t[b])) diffs.push(`${a}: ${sorted(o.graph[a])} vs ${sorted(t[b])}`);
}
// the failure: what Alembic raised while loading the scripts against what we said it would print
// (an import the oracle stubbed cannot fail there, so a failure of ours on an import is not compared)
const ourFailure = o.alembicError ?? null;
const ourCode = ourFailure === null ? undefined : o.findings.find((f) => f.alembicError === ourFailure)?.code;
if (t.error) {
  // str(SyntaxError) ends with "(file, line N)", which the CLI's last line leaves out
  const said = t.error.message.split('\n')[0].replace(/ \([^()]*, line \d+\)$/u, '');
  if (ourFailure === null || !ourFailure.includes(said))
    diffs.push(
      `failure: ${JSON.stringify(ourFailure)} vs Alembic's ${t.error.class}: ${JSON.stringify(t.error.message)}`,
    );
} else if (ourFailure !== null && ourCode !== 'unresolved-import') {
  diffs.push(`failure: ${JSON.stringify(ourFailure)} (${ourCode}) where Alembic loads every script`);
}
const uncertain = o.findings.filter((f) => f.code === 'not-statically-known').length;
if (values.json) {
  console.log(
    JSON.stringify({
      revisions: t.revisions.length,
      ours: byId.size,
      heads: t.heads,
      error: t.error ? `${t.error.class}: ${t.error.message}` : null,
      uncertain,
      stubbed,
      diffs,
    }),
  );
  process.exit(diffs.length === 0 ? 0 : 1);
}
console.log(
  `${t.revisions.length} revisions (Alembic ${t.alembic_version}), ${byId.size} (alembic-preflight); heads ${sorted(t.heads)}; ` +
    `Alembic error: ${t.error ? JSON.stringify(t.error.message) : 'none'}; not statically known: ${uncertain} (stubbed in Alembic: ${stubbed}); ${diffs.length === 0 ? 'AGREE' : `DIFFER (${diffs.length})`}`,
);
for (const d of diffs.slice(0, 20)) console.log(`  ${d}`);
process.exit(diffs.length === 0 ? 0 : 1);

function stripOrExit(dir) {
  try {
    return stripMigrations(dir, mkdtempSync(path.join(os.tmpdir(), 'compare-real-stripped-')), PYTHON);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}
