import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding, Rule } from '../finding.js';
import { globMatcher } from '../lint/lint-config.js';
import { projectFinding, walkFiles, type LintContext } from '../lint/lint-context.js';

/** Raw SQL in the application that still names a table a migration renamed. */
export const renamedTableStillReferenced: Rule = {
  code: 'renamed-table-still-referenced',
  severity: 'warning',
  kind: 'lint',
  summary: 'After op.rename_table(old, new), raw SQL in the application (app-sources globs) still says FROM/JOIN/UPDATE/INSERT INTO/DELETE FROM old.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    const renames = finalRenames(lint);
    if (renames.size === 0) return out;
    const matchers = lint.config.appSources.map(globMatcher);
    // the migrations themselves are not application code: their SQL runs before or after the rename, in order
    const { config, files } = lint.model;
    const skip = new Set([config.scriptDir, ...config.versionLocations.map((v) => v.absPath)].filter((d) => d !== lint.cwd));
    const revisionFiles = new Set(files.map((f) => f.absPath));
    const names = [...renames.keys()];
    const pattern = new RegExp(`\\b(FROM|JOIN|UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+(?:"?\\w+"?\\.)?("?)(${names.map(escape).join('|')})\\2(?![\\w.])`, 'gi');
    for (const rel of walkFiles(lint.cwd, skip)) {
      if (!matchers.some((m) => m(rel))) continue;
      const abs = path.join(lint.cwd, rel);
      if (revisionFiles.has(abs)) continue;
      let text: string;
      try {
        text = readFileSync(abs, 'utf8');
      } catch {
        continue;
      }
      const lower = text.toLowerCase();
      if (!names.some((n) => lower.includes(n.toLowerCase()))) continue;
      const hits: { index: number; keyword: string; table: string }[] = [];
      if (rel.endsWith('.py')) {
        const py = lint.parse(rel, text);
        if (!py) continue;
        for (const { node } of py.strings(py.top)) {
          // match in the literal as written, so the line is exact
          const raw = py.of(node);
          for (const m of raw.matchAll(pattern)) hits.push({ index: node.from + m.index!, keyword: m[1]!, table: m[3]! });
        }
      } else {
        for (const m of text.matchAll(pattern)) hits.push({ index: m.index!, keyword: m[1]!, table: m[3]! });
      }
      for (const h of hits) {
        const line = text.slice(0, h.index).split('\n').length;
        const key = [...renames.keys()].find((k) => k.toLowerCase() === h.table.toLowerCase())!;
        const r = renames.get(key)!;
        out.push(
          projectFinding(this.code, this.severity, rel, line,
            `SQL here says ${h.keyword.toUpperCase().replace(/\s+/g, ' ')} ${h.table}, but ${r.file} renames ${key} to ${r.to} (revision ${r.revision}). After that migration deploys this query fails with "relation "${h.table}" does not exist".`,
            `Write ${h.keyword.toUpperCase().replace(/\s+/g, ' ')} ${r.to} (deploy the code change with the migration), or keep a compatibility view during the switch: op.execute("CREATE VIEW ${key} AS SELECT * FROM ${r.to}").`,
          ),
        );
      }
    }
    return out;
  },
};

/** Tables renamed by the migrations and not re-created (or renamed back) later: old name → where it went. */
function finalRenames(lint: LintContext): Map<string, { to: string; file: string; revision: string }> {
  const renames = new Map<string, { to: string; file: string; revision: string }>();
  for (const { file, py } of lint.parsedFiles('rename_table', 'create_table')) {
    const up = py.moduleFunction('upgrade');
    if (!up) continue;
    for (const call of py.calls(up)) {
      const callee = py.callee(call);
      const { positional, keywords } = py.args(call);
      if (callee === 'op.rename_table') {
        const from = py.str(positional[0] ?? keywords.get('old_table_name'));
        const to = py.str(positional[1] ?? keywords.get('new_table_name'));
        if (from === undefined || to === undefined) continue;
        renames.delete(to);
        renames.set(from, { to, file: file.path, revision: file.rev.id });
      } else if (callee === 'op.create_table') {
        const name = py.str(positional[0] ?? keywords.get('table_name'));
        if (name !== undefined) renames.delete(name);
      }
    }
  }
  return renames;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
