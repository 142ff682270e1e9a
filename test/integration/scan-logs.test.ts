import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLogText } from '../../src/check/log-scanner.js';
import { prepareDatabase, writeScenarioProject, type Scenario } from '../helpers/db-scenario.js';
import { runCli } from '../helpers/cli.js';
import { ORACLE_PYTHON, PYTHON, REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'logs');

const cli = (cwd: string, args: string[], opts: { input?: string; node?: string[] } = {}) =>
  runCli(cwd, args, {}, opts);

/** Real Alembic's output for a scenario (stdout then stderr, as a release log interleaves them). */
async function realFailure(s: Scenario, target = 'head'): Promise<string> {
  const root = writeScenarioProject(s);
  const url = await prepareDatabase(s, 'sqlite', root);
  // Python warnings stay on, as on a Heroku dyno: duplicates only show as a UserWarning
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', target], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, PYTHONWARNINGS: 'default' },
  });
  rmSync(root, { recursive: true, force: true });
  return `${r.stderr}${r.stdout}`;
}

/** Heroku's `heroku logs` prefix, ANSI colour and CRLF line ends, as a real log mixes them. */
function herokuify(text: string): string {
  return text
    .split('\n')
    .map((l, i) =>
      l
        ? `2025-10-14T12:00:${String(i % 60).padStart(2, '0')}.000000+00:00 app[release.4242]: ${i % 2 ? `\x1b[31m${l}\x1b[0m` : l}`
        : l,
    )
    .join('\r\n');
}

describe('scan-logs on output from real Alembic', () => {
  const outputs: Record<string, string> = {};
  beforeAll(async () => {
    const a = { id: 'aaa111', down: null };
    const b = { id: 'bbb222', down: 'aaa111' };
    outputs.missing = await realFailure({ name: 'missing', revs: [a, b], rows: ['guest_lockout_001'] });
    outputs.heads = await realFailure({
      name: 'heads',
      revs: [a, b, { id: 'ccc333', down: 'aaa111' }],
      rows: ['aaa111'],
    });
    outputs.parent = await realFailure({
      name: 'parent',
      revs: [a, { id: 'bbb222', down: 'zzz999' }],
      rows: [],
    });
    outputs.duplicate = await realFailure({
      name: 'dup',
      revs: [a, b, { id: 'bbb222', down: 'aaa111', file: 'bbb222_copy' }],
      rows: ['aaa111'],
    });
    outputs.overlap = await realFailure({
      name: 'overlap',
      revs: [a, b],
      rows: ['aaa111', 'bbb222'],
      noPk: true,
    });
    outputs.applied = await realFailure({ name: 'applied', revs: [a, b], rows: [] });
    const r = spawnSync(
      PYTHON,
      ['-c', "import sqlalchemy; sqlalchemy.create_engine('postgres://u:p@h/db')"],
      { encoding: 'utf8' },
    );
    outputs.scheme = r.stderr;
  }, 120_000);

  it('sees each failure as real Alembic printed it', () => {
    const kinds = (text: string) => scanLogText(text).groups.map((g) => `${g.kind}:${g.key}`);
    expect(kinds(outputs.missing!)).toEqual(['missing-revision:guest_lockout_001']);
    expect(kinds(outputs.heads!)).toEqual(['multiple-heads:head']);
    expect(kinds(outputs.parent!)).toEqual(['missing-parent:zzz999']);
    expect(scanLogText(outputs.parent!).groups[0]).toMatchObject({
      count: 2,
      sample: expect.stringContaining('Revision zzz999 referenced from'),
    });
    expect(
      scanLogText(
        "UserWarning: Revision zzz999 referenced from zzz999 -> bbb222 (head), m is not present\nKeyError: 'zzz999'\n",
      ).groups,
    ).toMatchObject([{ kind: 'missing-parent', key: 'zzz999', count: 2 }]);
    expect(kinds(outputs.duplicate!)).toContain('duplicate-revision:bbb222');
    expect(kinds(outputs.overlap!)).toEqual(['revisions-overlap:bbb222']);
    expect(kinds(outputs.scheme!)).toEqual(['postgres-url-scheme:']);
    expect(kinds(outputs.applied!)).toEqual([]);
    expect([...scanLogText(outputs.applied!).applied.values()]).toMatchObject([
      { revision: 'aaa111', from: [] },
      { revision: 'bbb222', from: ['aaa111'] },
    ]);
  });

  it('groups a Heroku log with prefixes, ANSI colour and CRLF: counts and first/last lines', () => {
    const deploys = [
      outputs.applied,
      outputs.missing,
      'web.1: started\n',
      outputs.missing,
      outputs.heads,
      outputs.scheme,
    ].join('');
    const log = herokuify(deploys);
    const dir = tempDir('preflight-log-');
    writeFileSync(path.join(dir, 'release.log'), log);
    const lines = log.split('\r\n');
    const where = (needle: string) => lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
    const r = cli(dir, ['scan-logs', 'release.log', '--format', 'json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      command: 'scan-logs',
      ok: false,
      file: 'release.log',
      lines: lines.length - (log.endsWith('\r\n') ? 1 : 0),
    });
    const missing = doc.failures.find((f: { kind: string }) => f.kind === 'missing-revision');
    const hits = where("Can't locate revision identified by 'guest_lockout_001'");
    expect(missing).toMatchObject({
      key: 'guest_lockout_001',
      count: hits.length,
      firstLine: hits[0],
      lastLine: hits.at(-1),
    });
    expect(missing.sample).not.toMatch(/\x1b|app\[release/u); // eslint-disable-line no-control-regex
    expect(missing.hint).toContain('alembic-preflight backfill --from-logs release.log');
    expect(doc.failures.map((f: { kind: string }) => f.kind).sort()).toEqual([
      'missing-revision',
      'multiple-heads',
      'postgres-url-scheme',
    ]);
    // stdin gives the same groups
    const viaStdin = cli(dir, ['scan-logs', '-', '--format', 'json'], { input: log });
    const strip = (fs: { hint: string }[]) => fs.map((f) => ({ ...f, hint: undefined }));
    expect(strip(JSON.parse(viaStdin.stdout).failures)).toEqual(strip(doc.failures));
    expect(JSON.parse(viaStdin.stdout).failures[0].hint).toContain('backfill --from-logs - --rewire');
    const text = cli(dir, ['scan-logs', 'release.log']);
    expect(text.stdout).toContain(
      `missing-revision 'guest_lockout_001': ${hits.length} times, lines ${hits[0]}–${hits.at(-1)}`,
    );
    const total = doc.failures.reduce((n: number, f: { count: number }) => n + f.count, 0);
    expect(total).toBe(
      hits.length +
        where('Multiple head revisions are present').length +
        where("Can't load plugin: sqlalchemy.dialects:postgres").length,
    );
    expect(text.stdout).toContain(`FOUND: ${total} Alembic failure lines in 3 groups.`);
  });

  it('knows the lines a static fixture holds (cycle, over-long id, heads for a label)', () => {
    const r = cli(FIXTURES, ['scan-logs', 'heroku-releases-output.log', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.failures.map((f: { kind: string; key: string }) => `${f.kind}:${f.key}`)).toEqual([
      'revision-cycle:aaa111, bbb222',
      'revision-id-too-long:32',
      'multiple-heads:api@head',
    ]);
  });

  it('a clean log exits 0', () => {
    const dir = tempDir('preflight-log-');
    writeFileSync(path.join(dir, 'ok.log'), outputs.applied!);
    const r = cli(dir, ['scan-logs', 'ok.log']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^OK: no Alembic failure in \d+ lines\.$/mu);
    writeFileSync(
      path.join(dir, 'one.log'),
      'INFO  [alembic.runtime.migration] Will assume transactional DDL.\n',
    );
    const one = cli(dir, ['scan-logs', 'one.log']);
    expect(one.stdout).toBe(
      'alembic-preflight scan-logs: one.log (1 line)\n\nOK: no Alembic failure in 1 line.\n',
    );
  });

  it('backfill --from-logs takes the id and its parent from `Running upgrade` in an older release', async () => {
    const s: Scenario = {
      name: 'from-logs',
      revs: [
        { id: 'aaa111', down: null },
        { id: 'bbb222', down: 'aaa111' },
      ],
      rows: ['guest_lockout_001'],
    };
    const root = writeScenarioProject(s);
    await prepareDatabase(s, 'sqlite', root);
    const log = herokuify(
      'INFO  [alembic.runtime.migration] Running upgrade aaa111 -> guest_lockout_001, guest lockout\n' +
        outputs.missing!,
    );
    writeFileSync(path.join(root, 'release.log'), log);
    const r = cli(root, ['backfill', '--from-logs', 'release.log', '--rewire']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('placed by: the deploy log shows it was applied after aaa111 (release.log:1)');
    expect(r.stdout).toMatch(/deploy log release\.log:\d+/u);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('scan-logs on a large log', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('preflight-biglog-');
    const out = createWriteStream(path.join(dir, 'big.log'));
    const filler =
      '2025-10-14T12:00:00.000000+00:00 app[web.1]: GET /api/items 200 12ms user=42 ' + 'x'.repeat(60) + '\n';
    const block = filler.repeat(1000);
    for (let i = 0; i < 1500; i++) {
      if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
      if (i === 3 || i === 1400)
        out.write(
          "2025-10-14T12:00:00.000000+00:00 app[release.1]: FAILED: Can't locate revision identified by 'guest_lockout_001'\n",
        );
    }
    out.write('y'.repeat(5 * 1024 * 1024) + " KeyError: 'hidden_beyond_64k'\n");
    out.write("FAILED: Multiple head revisions are present for given argument 'head'; please specify\n");
    await new Promise((r) => out.end(r));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams ~200 MB in bounded memory (a 64 MB heap) and finds every failure', () => {
    const size = readFileSync(path.join(dir, 'big.log')).length;
    expect(size).toBeGreaterThan(190 * 1024 * 1024);
    const r = cli(dir, ['scan-logs', 'big.log', '--format', 'json'], { node: ['--max-old-space-size=64'] });
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.lines).toBe(1_500_000 + 4);
    expect(doc.failures).toMatchObject([
      { kind: 'missing-revision', key: 'guest_lockout_001', count: 2, firstLine: 4001, lastLine: 1_401_002 },
      { kind: 'multiple-heads', key: 'head', count: 1, firstLine: 1_500_004 },
    ]);
  }, 120_000);
});
