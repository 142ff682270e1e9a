import type { LockStep } from './lock-facts.js';

/**
 * The steps with each SET NOT NULL marked `checked-not-null` where, earlier in the same revision, a
 * CHECK (col IS NOT NULL) on its table was validated by name (VALIDATE CONSTRAINT, or added without
 * NOT VALID): from PostgreSQL 12 SET NOT NULL then uses the check instead of scanning the table.
 */
export function withCheckedNotNull(steps: readonly LockStep[]): LockStep[] {
  const sorted = [...steps].sort((a, b) => a.line - b.line);
  return sorted.map((s) => {
    if (s.call !== 'alter_column' || !s.flags.includes('not-null') || s.column === undefined) return s;
    const proved = sorted.some(
      (check) =>
        check.line < s.line &&
        check.call === 'create_check_constraint' &&
        check.table === s.table &&
        check.data?.name !== undefined &&
        isNotNullCheck(check.data.condition, s.column!) &&
        (!check.flags.includes('not-valid') ||
          sorted.some(
            (v) =>
              v.call === 'validate_constraint' &&
              v.table === s.table &&
              v.data?.name === check.data?.name &&
              v.line > check.line &&
              v.line < s.line,
          )),
    );
    return proved ? { ...s, flags: [...s.flags, 'checked-not-null'] } : s;
  });
}

/** Whether a check's SQL is `col IS NOT NULL` (the column quoted or not, in brackets or not). */
function isNotNullCheck(condition: string | undefined, column: string): boolean {
  if (condition === undefined) return false;
  let c = condition.trim();
  while (c.startsWith('(') && c.endsWith(')')) c = c.slice(1, -1).trim();
  const words = c.split(' ').filter(Boolean);
  if (words.length !== 4 || words.slice(1).join(' ').toUpperCase() !== 'IS NOT NULL') return false;
  const name = words[0]!;
  return (
    name === `"${column.replaceAll('"', '""')}"` || (name.toLowerCase() === column && !name.startsWith('"'))
  );
}
