import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_ORACLE = path.resolve(REPO, '../shared/oracle');
export const PYTHON = '/usr/bin/python3';

export interface OracleGraph {
  alembic: string;
  ok: boolean;
  heads?: string[];
  realHeads?: string[];
  bases?: string[];
  realBases?: string[];
  revisions?: { revision: string; downRevisions: string[]; dependsOn: string[]; labels: string[]; path: string }[];
  error?: { class: string; message: string };
  warnings: string[];
}

/** The Alembic sources to compare against: Debian's 1.8.1 always, the newest when ALEMBIC_LATEST_SRC is set. */
export function alembicTargets(): { name: string; version: string; env: Record<string, string> }[] {
  const out = [{ name: 'system', version: '1.8.1', env: {} as Record<string, string> }];
  const latest = process.env.ALEMBIC_LATEST_SRC;
  if (latest && existsSync(path.join(latest, 'alembic'))) out.push({ name: 'latest', version: 'latest', env: { PYTHONPATH: latest } });
  return out;
}

export function oracleGraph(cwd: string, opts: { ini?: string; env?: Record<string, string> } = {}): OracleGraph {
  const args = [path.join(REPO, 'test/oracle/alembic_graph.py'), '--cwd', cwd];
  if (opts.ini) args.push('--ini', opts.ini);
  const out = execFileSync(PYTHON, args, { cwd, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...(opts.env ?? {}) }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out) as OracleGraph;
}
