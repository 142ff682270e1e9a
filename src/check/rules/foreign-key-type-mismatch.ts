import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { lintFindingAt } from '../lint/lint-context.js';
import { FAMILY, foreignKeySites, type ColumnType } from '../lint/table-model.js';

/** A foreign-key column whose type differs from the column it references, per the replayed migration history. */
export const foreignKeyTypeMismatch: Rule = {
  code: 'foreign-key-type-mismatch',
  severity: 'error',
  kind: 'lint',
  title: "a foreign key's type differs from its key",
  summary:
    'A foreign-key column whose type differs from the referenced key (table model replayed from every migration).',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    for (const s of foreignKeySites(lint)) {
      if (!s.type || !s.refType || s.type.canonical === s.refType.canonical) continue;
      // text and a varchar without a length are the same type to PostgreSQL: nothing to report
      if (unboundedText(s.type) && unboundedText(s.refType)) continue;
      const a = s.type.canonical;
      const b = s.refType.canonical;
      const compatible = FAMILY[a] !== undefined && FAMILY[a] === FAMILY[b];
      const consequence = compatible
        ? `PostgreSQL accepts the constraint, but every join and cascade compares ${a.toLowerCase()} with ${b.toLowerCase()} through a cast, and ${a === 'SMALLINT' || (a === 'INTEGER' && b === 'BIGINT') ? "referenced ids above the smaller type's range cannot be stored" : 'values that fit one column may not fit the other'}.`
        : `PostgreSQL refuses to create it: "foreign key constraint cannot be implemented … Key columns "${s.column}" and "${s.refColumn}" are of incompatible types: ${a.toLowerCase()} and ${b.toLowerCase()}", which fails the deploy.`;
      // a constraint PostgreSQL accepts does not fail the deploy: report it, do not block on it
      const severity = compatible && this.severity === 'error' ? 'warning' : this.severity;
      out.push(
        lintFindingAt(
          this.code,
          severity,
          s.file,
          s.line,
          `${s.table}.${s.column} (${s.type.written}) references ${s.refTable}.${s.refColumn} (${s.refType.written}, as the migrations up to this line leave it). ${consequence}`,
          `Declare ${s.table}.${s.column} with the referenced column's type: sa.Column("${s.column}", ${s.refType.written}, sa.ForeignKey("${s.refTable}.${s.refColumn}")) — or leave the type out of a Column that has a ForeignKey and SQLAlchemy copies it.`,
        ),
      );
    }
    return out;
  },
};

/** TEXT, or VARCHAR written without a length (`sa.String()`): no limit on what it holds. CHAR without one is char(1). */
function unboundedText(t: ColumnType): boolean {
  return t.canonical === 'TEXT' || (t.canonical === 'VARCHAR' && !/\(\s*[^)\s]/u.test(t.written));
}
