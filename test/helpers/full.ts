/**
 * The suite's one knob for its big matrices. `npm test` runs a deterministic sample of each: every kind of
 * case (each step kind, each database, each outcome) at least once, without the repetitions;
 * PREFLIGHT_FULL=1 (`npm run test:full`) runs every case. A file's own older variable (DATA_MATRIX_FULL,
 * FENCE_MATRIX_FULL) selects everything in that file too.
 */
export function full(...own: readonly string[]): boolean {
  return [process.env['PREFLIGHT_FULL'], ...own.map((v) => process.env[v])].includes('1');
}

/**
 * The cases a sampled suite runs: all of them under full(), else those `keep` chooses. The sample must be
 * a plain list (it.each simply has fewer cases; nothing is skipped), and never empty.
 */
export function sample<T>(
  cases: readonly T[],
  keep: (c: T, i: number) => boolean,
  ...own: readonly string[]
): readonly T[] {
  if (full(...own)) return cases;
  const kept = cases.filter(keep);
  if (kept.length === 0) throw new Error('a CI sample must keep at least one case');
  return kept;
}
