import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import type { LintContext } from '../lint/lint-context.js';
import { lintFinding } from '../lint/lint-context.js';
import type { PyNode } from '../lint/python-syntax.js';

/** A PostgreSQL-only UUID type in a project that also runs its migrations on SQLite. */
export const uuidNotPortable: Rule = {
  code: 'uuid-not-portable',
  severity: 'warning',
  kind: 'lint',
  title: 'a PostgreSQL-only UUID type on SQLite',
  summary:
    'sa.UUID / postgresql.UUID in a project that also targets SQLite: use sa.Uuid or a with_variant type.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint || !targetsSqlite(lint)) return out;
    out.push(
      ...lint.newFileFindings(
        this.code,
        () => '',
        ['UUID'],
        (file, py) => {
          const found: Finding[] = [];
          const uses: PyNode[] = [];
          py.top.cursor().iterate((n) => {
            if (n.name !== 'MemberExpression' && n.name !== 'VariableName') return undefined;
            const node = n.node;
            const text = py.of(node).replace(/\s+/g, '');
            if (!text.endsWith('UUID')) return undefined;
            // the object of a longer chain (UUID.x) or an import line is not a column type
            if (node.parent?.name === 'MemberExpression' || node.parent?.name === 'ImportStatement')
              return false;
            // SQLAlchemy's UUID only (sa.UUID, postgresql.UUID, a UUID imported from sqlalchemy):
            // not uuid.UUID, and not a project's own helper that happens to be called UUID
            if (!/^sqlalchemy\.(?:[\w.]+\.)?UUID$/.test(py.qualified(text) ?? '')) return false;
            // ….with_variant(…, "sqlite") makes it portable
            const around = node.parent?.name === 'CallExpression' ? node.parent : node;
            if (/^\s*\.\s*with_variant/.test(py.text.slice(around.to, around.to + 40))) return false;
            uses.push(node);
            return false;
          });
          if (uses.length === 0) return found;
          const first = uses[0]!;
          found.push({
            ...lintFinding(
              this.code,
              this.severity,
              file,
              py,
              first,
              `${py.of(first)} is PostgreSQL's UUID type${uses.length > 1 ? ` (${uses.length} uses in this file)` : ''}, and this project also runs on SQLite: there the column is created without UUID semantics (values come back as strings or fail to bind with as_uuid), so tests on SQLite and production on PostgreSQL disagree.`,
              'Use the dialect-aware type: sa.Uuid() (SQLAlchemy 2.0+), or postgresql.UUID(as_uuid=True).with_variant(sa.String(36), "sqlite"). If the project does not run on SQLite, set targets-sqlite = false in [tool.alembic-preflight].',
            ),
            title: `${py.of(first)} is PostgreSQL-only, and this project also runs on SQLite`,
          });
          return found;
        },
      ),
    );
    return out;
  },
};

/** Configured, or (auto) an sqlite URL in alembic.ini or a mention of sqlite in env.py. */
function targetsSqlite(lint: LintContext): boolean {
  const set = lint.config.targetsSqlite;
  if (set !== 'auto') return set;
  if (/^sqlite(\+\w+)?:/.test(lint.iniOption('sqlalchemy.url')?.value.trim() ?? '')) return true;
  const env = lint.envPy();
  return env !== undefined && env.py.strings(env.py.top).some((s) => /^sqlite(\+\w+)?:/.test(s.value));
}
