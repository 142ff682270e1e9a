import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ORACLE_PYTHON, REPO } from '../helpers/oracle.js';
import { generateCorpus } from '../helpers/corpus.js';
import { makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';
import { exampleIncident } from '../helpers/example-db.js';

type Mermaid = { parse(text: string): Promise<unknown> };
let mermaid: Mermaid;
beforeAll(async () => {
  // Mermaid's parser sanitises labels with DOMPurify, which needs a DOM
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = (await import('mermaid')).default as unknown as Mermaid;
}, 60_000);

/** Real `alembic history`, each line's branch labels sorted (Alembic joins a Python set there). */
function alembicHistory(cwd: string): string[] {
  const out = execFileSync(ORACLE_PYTHON, ['-m', 'alembic', 'history'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return out.trimEnd().split('\n').map(sortLabels);
}

function sortLabels(line: string): string {
  return line.replace(
    / -> (\S+) \(([^)]*,[^)]*)\)/u,
    (_m, id: string, labels: string) => ` -> ${id} (${labels.split(', ').sort().join(', ')})`,
  );
}

describe('alembic-preflight graph', () => {
  it.each([
    [
      'branchy, labels and depends_on',
      [
        '--n',
        '150',
        '--seed',
        '5',
        '--branch-rate',
        '0.2',
        '--label-rate',
        '0.6',
        '--depends-rate',
        '0.15',
        '--heads',
        '3',
      ],
    ],
    [
      'many merges',
      ['--n', '120', '--seed', '11', '--branch-rate', '0.3', '--merge-rate', '0.6', '--depends-rate', '0.1'],
    ],
  ])(
    '--format text prints what `alembic history` prints (%s)',
    (_name, args) => {
      const dir = path.join(tempDir('preflight-graph-'), 'project');
      generateCorpus(dir, args);
      // the Alembic installed here (1.8.1) lists the folder unsorted; newer releases sort it
      const ours = runCli(dir, ['graph', '--format', 'text', '--alembic-version', '1.8.1']);
      expect(ours.status, ours.stderr).toBe(0);
      expect(ours.stdout.trimEnd().split('\n').map(sortLabels)).toEqual(alembicHistory(dir));
    },
    60_000,
  );

  it('draws the incident: the database row no file defines in red, valid Mermaid and DOT', async () => {
    const root = exampleIncident();
    const env = { DATABASE_URL: 'sqlite:///app.db' };
    const m = runCli(root, ['graph'], env);
    expect(m.status, m.stderr).toBe(0);
    await expect(mermaid.parse(m.stdout)).resolves.toBeTruthy();
    expect(m.stdout).toMatch(
      /^ {2}x0\(\["guest_lockout_001 \(database, no file\)<br\/>[^"]*"\]\):::missing$/mu,
    );
    expect(m.stdout).toMatch(/^ {2}r\d\["1f2a3b4c5d6e<br\/>create users"\]$/mu);
    const d = runCli(root, ['graph', '--format', 'dot'], env);
    expect(d.stdout).toMatch(
      /^ {2}x0 \[label="guest_lockout_001 \(database, no file\)\\n[^"]*", shape=octagon, style=filled, fillcolor="#f8d7da"/mu,
    );
    expect(balancedDot(d.stdout)).toBe(true);
  }, 60_000);

  it('marks the rows and the pending revisions, and collapses long straight runs unless --full', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 20; i++)
      files[`migrations/versions/r${i}_x.py`] = rev(
        `r${String(i).padStart(2, '0')}`,
        i === 1 ? null : `r${String(i - 1).padStart(2, '0')}`,
      );
    const root = makeProject(files);
    const db = new Database(path.join(root, 'app.db'));
    db.exec(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('r15')",
    );
    db.close();
    const env = { DATABASE_URL: 'sqlite:///app.db' };
    const short = runCli(root, ['graph'], env).stdout;
    await expect(mermaid.parse(short)).resolves.toBeTruthy();
    // r02 … r14 is a straight run (r01, a base, ends it): its ends and one node for the 11 between;
    // r15 is the database's, r16–r20 pending
    expect(short).toMatch(/\{\{"… 11 revisions …"\}\}:::collapsed/u);
    expect(short).toMatch(/\["r15 \(database\)<br\/>rev r15"\]:::current/u);
    expect((short.match(/:::pending/gu) ?? []).length).toBe(5);
    const full = runCli(root, ['graph', '--full'], env).stdout;
    await expect(mermaid.parse(full)).resolves.toBeTruthy();
    expect(full).not.toContain('collapsed"');
    expect((full.match(/^ {2}r\d+\[/gmu) ?? []).length).toBe(20);
    // without a database nothing is marked
    const plain = spawnSync(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), 'graph'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(plain.stdout).not.toMatch(/:::(current|pending)/u);
  }, 60_000);
});

describe('the graph in --format markdown', () => {
  it("ends verify's summary with the graph, the stray row marked, as a Mermaid block that parses", async () => {
    const root = exampleIncident();
    const md = runCli(root, ['verify', '--format', 'markdown'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(md.status).toBe(1);
    const m = /### Revision graph\n\n```mermaid\n([\s\S]*?)\n```/u.exec(md.stdout);
    expect(m, md.stdout).not.toBeNull();
    await expect(mermaid.parse(m![1]!)).resolves.toBeTruthy();
    expect(m![1]).toContain('guest_lockout_001 (database, no file)');
  }, 60_000);
});

/** Every edge's ends are declared nodes, and the braces close: what Graphviz needs to lay it out. */
function balancedDot(text: string): boolean {
  const nodes = new Set([...text.matchAll(/^ {2}(\w+) \[label=/gmu)].map((m) => m[1]!));
  const edges = [...text.matchAll(/^ {2}(\w+) -> (\w+)/gmu)];
  return (
    text.startsWith('digraph alembic {') &&
    text.trimEnd().endsWith('}') &&
    edges.every((e) => nodes.has(e[1]!) && nodes.has(e[2]!))
  );
}
