import path from 'node:path';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { globMatcher } from '../lint/lint-config.js';
import { calledHelper, migrationFunctions } from '../lint/migration-ops.js';
import { projectFinding, type LintContext, type LintFile } from '../lint/lint-context.js';
import { walkFiles } from '../../project/project-files.js';
import type { PyNode, PySource } from '../lint/python-syntax.js';

/** Raw SQL in the application that still names a table a migration renamed. */
export const renamedTableStillReferenced: Rule = {
  code: 'renamed-table-still-referenced',
  severity: 'warning',
  kind: 'lint',
  title: 'application SQL names a renamed table',
  summary:
    'After op.rename_table(old, new), raw SQL in the application (app-sources globs) still says FROM/JOIN/UPDATE/INSERT INTO/DELETE FROM old.',
  check({ lint, files: disk }) {
    const out: Finding[] = [];
    if (!lint) return out;
    const renames = finalRenames(lint);
    if (renames.size === 0) return out;
    const matchers = lint.config.appSources.map(globMatcher);
    // the migrations themselves are not application code: their SQL runs before or after the rename, in order
    const { config, files } = lint.model;
    const skip = new Set(
      [config.scriptDir, ...config.versionLocations.map((v) => v.absPath)].filter((d) => d !== lint.cwd),
    );
    const revisionFiles = new Set(files.map((f) => f.absPath));
    const names = [...renames.keys()];
    const pattern = new RegExp(
      `\\b(FROM|JOIN|UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+(?:"?\\w+"?\\.)?("?)(${names.map(escape).join('|')})\\2(?![\\w.])`,
      'gi',
    );
    for (const rel of walkFiles(disk, lint.cwd, skip)) {
      if (!matchers.some((m) => m(rel))) continue;
      const abs = path.join(lint.cwd, rel);
      if (revisionFiles.has(abs)) continue;
      const text = disk.text(abs);
      if (text === undefined) continue;
      const lower = text.toLowerCase();
      if (!names.some((n) => lower.includes(n.toLowerCase()))) continue;
      const hits: { index: number; keyword: string; table: string }[] = [];
      if (rel.endsWith('.py')) {
        const py = lint.parse(rel, text);
        if (!py) continue;
        for (const { node } of py.strings(py.top)) {
          // a docstring or other bare string statement is prose ("Update tag and …"), never SQL that runs
          if (
            node.parent?.name === 'ExpressionStatement' &&
            node.parent.from === node.from &&
            node.parent.to === node.to
          )
            continue;
          // match in the literal as written, so the line is exact
          const raw = py.of(node);
          for (const m of raw.matchAll(pattern)) {
            if (readsAsSql(raw, m.index!, m.index! + m[0].length, m[1]!))
              hits.push({ index: node.from + m.index!, keyword: m[1]!, table: m[3]! });
          }
        }
      } else {
        for (const m of text.matchAll(pattern)) hits.push({ index: m.index!, keyword: m[1]!, table: m[3]! });
      }
      for (const h of hits) {
        const line = text.slice(0, h.index).split('\n').length;
        const key = [...renames.keys()].find((k) => k.toLowerCase() === h.table.toLowerCase())!;
        const r = renames.get(key)!;
        out.push(
          projectFinding(
            this.code,
            this.severity,
            rel,
            line,
            `SQL here says ${h.keyword.toUpperCase().replace(/\s+/g, ' ')} ${h.table}, but ${r.file} renames ${key} to ${r.to} (revision ${r.revision}). After that migration deploys this query fails with "relation "${h.table}" does not exist".`,
            `Write ${h.keyword.toUpperCase().replace(/\s+/g, ' ')} ${r.to} (deploy the code change with the migration), or keep a compatibility view during the switch: op.execute("CREATE VIEW ${key} AS SELECT * FROM ${r.to}").`,
          ),
        );
      }
    }
    return out;
  },
};

/**
 * Whether a match in a string literal reads as SQL, not prose: an application's messages say
 * "User {user} removed from role {role}" and name API hooks "Users > User Details > Update User"
 * (open-event-server). SQL writes its keywords in one case, and each clause needs the statement
 * around it: FROM and JOIN follow a SELECT or DELETE (or open a fragment the code joins to one),
 * UPDATE goes on to SET, DELETE FROM to a WHERE, USING or RETURNING, INSERT INTO to its columns,
 * VALUES or a query; a fragment that ends at the table name counts.
 */
function readsAsSql(literal: string, start: number, end: number, keyword: string): boolean {
  if (keyword !== keyword.toUpperCase() && keyword !== keyword.toLowerCase()) return false;
  // the literal's own quotes and prefix are not text
  const before = literal.slice(0, start).replace(/^[A-Za-z]*("""|'''|"|')/u, '');
  const after = literal.slice(end).replace(/("""|'''|"|')$/u, '');
  const opens = before.trim() === '';
  const closes = after.trim() === '' || after.trimStart().startsWith(';');
  switch (keyword.split(/\s+/u)[0]!.toUpperCase()) {
    case 'FROM':
      return opens || /\b(?:SELECT|DELETE)\b/iu.test(before);
    case 'JOIN':
      return (
        /^\s*(?:(?:NATURAL|LEFT|RIGHT|FULL|INNER|CROSS|OUTER)\s+)*$/iu.test(before) ||
        /\b(?:SELECT|FROM|UPDATE|DELETE)\b/iu.test(before)
      );
    case 'UPDATE':
      return closes || /^\s*(?:(?:AS\s+)?\w+\s+)?SET\b/iu.test(after);
    case 'DELETE':
      return closes || /^\s*(?:(?:AS\s+)?\w+\s+)?(?:WHERE|USING|RETURNING)\b/iu.test(after);
    default:
      return closes || /^\s*(?:\(|(?:AS\s+\w+\s+)?(?:VALUES|SELECT|WITH|DEFAULT|OVERRIDING)\b)/iu.test(after);
  }
}

/**
 * Tables renamed by the migrations and not re-created (or renamed back) later:
 * old name → where it went. upgrade() is replayed with the module's own helper
 * functions it calls. The result only under-claims: a table created in a way we
 * cannot name (a name in a variable, `Model.__table__.create(bind)`,
 * `metadata.create_all(bind)`, CREATE TABLE SQL built at run time) may be the
 * old name again, so every rename before it is dropped.
 */
function finalRenames(lint: LintContext): Map<string, { to: string; file: string; revision: string }> {
  const renames = new Map<string, { to: string; file: string; revision: string }>();
  // creates before the first rename only clear an empty map: start there, and parse nothing without one
  const all = lint.files();
  const first = all.findIndex((f) => f.text.includes('rename_table'));
  if (first < 0) return renames;
  for (const { file, facts } of lint.factsOf(
    'renames',
    all.slice(first),
    ['rename_table', 'create_table', 'create_all', '.create(', CREATE_TABLE],
    renameFacts,
  )) {
    for (const step of facts) {
      if (step[0] === 'N') {
        const [, from, to] = step;
        if (to === null) renames.clear();
        else renames.delete(to);
        if (from !== null && to !== null) renames.set(from, { to, file: file.path, revision: file.rev.id });
      } else if (step[1].length === 0) renames.clear();
      else for (const n of step[1]) renames.delete(n);
    }
  }
  return renames;
}

/**
 * What a file's upgrade functions do to table names, in order, as plain data (kept in the result
 * cache): a rename (null: a name not spelled plainly), or tables created (none named: any table).
 */
type RenameStep = readonly ['N', string | null, string | null] | readonly ['G', readonly string[]];

function renameFacts(_file: LintFile, py: PySource): RenameStep[] {
  const steps: RenameStep[] = [];
  // every database's upgrade_<engine>() in a multi-database script: the application's SQL may address any of them
  for (const call of migrationFunctions(py, 'upgrade').flatMap(({ fn }) => callsWithHelpers(py, fn))) {
    const callee = py.callee(call);
    const { positional, keywords } = py.args(call);
    if (callee === 'op.rename_table') {
      steps.push([
        'N',
        py.str(positional[0] ?? keywords.get('old_table_name')) ?? null,
        py.str(positional[1] ?? keywords.get('new_table_name')) ?? null,
      ]);
    } else if (callee === 'op.create_table') {
      const name = py.str(positional[0] ?? keywords.get('table_name'));
      steps.push(['G', name === undefined ? [] : [name]]);
    } else if (createsUnknownTable(py, call, callee)) {
      steps.push(['G', []]);
    } else if (CREATE_TABLE.test(py.of(call))) {
      // no readable name: SQL assembled at run time, which may create any table
      steps.push([
        'G',
        py.strings(call).flatMap(({ value }) => [...value.matchAll(CREATE_TABLE_NAMED)].map((m) => m[1]!)),
      ]);
    }
  }
  return steps;
}

const CREATE_TABLE = /\bCREATE\s+TABLE\b/i;
const CREATE_TABLE_NAMED = /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"?\w+"?\.)?"?(\w+)"?\s*\(/gi;

/** Objects whose `.create(bind)` makes something other than a table. */
const NOT_A_TABLE = /(?:^|\.)(?:Enum|ENUM|Sequence|Index|DOMAIN|Domain)$/;

/** `X.__table__.create(bind)`, `metadata.create_all(bind)`, `table.create(bind)`: a table whose name we cannot read. */
function createsUnknownTable(py: PySource, call: PyNode, callee: string): boolean {
  const fn = call.firstChild;
  if (fn?.name !== 'MemberExpression' || !/\.\s*create(_all)?$/.test(py.of(fn))) return false;
  if (callee.startsWith('op.')) return false;
  const target = fn.firstChild;
  if (target?.name === 'CallExpression') return !NOT_A_TABLE.test(py.callee(target));
  if (target?.name === 'VariableName') {
    // status = postgresql.ENUM(...); status.create(bind)
    const assigned = new RegExp(`(?:^|\\n)[ \\t]*${py.of(target)}\\s*=\\s*([\\w.]+)\\(`).exec(py.text);
    return !(assigned && NOT_A_TABLE.test(assigned[1]!));
  }
  return true;
}

/** The calls of `fn` in order, with a call of the module's own function replaced by that function's calls. */
function callsWithHelpers(py: PySource, fn: PyNode, seen: Set<PyNode> = new Set()): PyNode[] {
  seen.add(fn);
  const out: PyNode[] = [];
  for (const call of py.calls(fn)) {
    const helper = calledHelper(py, py.callee(call), seen);
    if (helper) out.push(...callsWithHelpers(py, helper, seen));
    else out.push(call);
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
