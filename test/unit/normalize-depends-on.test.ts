import { describe, expect, it } from 'vitest';
import { buildRevisionMap, normalizeByWalking, normalizeFast } from '../../src/alembic/graph/revision-map.js';
import { loadScript } from '../../src/alembic/loading/script-loader.js';
import { sourceOutcome } from '../../src/alembic/reading/source-reader.js';
import { featuresOf, LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';

/** A seeded generator, so a failure names a reproducible graph. */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function graph(seed: number, n: number): string[] {
  const r = rng(seed);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `r${seed}x${i}`;
    const parents =
      i === 0 || r() < 0.05
        ? []
        : r() < 0.15 && i > 2
          ? [Math.floor(r() * i), Math.floor(r() * i)]
          : [i - 1 - Math.floor(r() * Math.min(i, 3))];
    const down =
      parents.length === 0 ? 'None' : `(${[...new Set(parents)].map((p) => `'r${seed}x${p}'`).join(', ')},)`;
    const deps =
      i > 3 && r() < 0.3
        ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => `'r${seed}x${Math.floor(r() * i)}'`)
        : [];
    files.push(
      `revision = '${id}'\ndown_revision = ${down}\nbranch_labels = None\ndepends_on = ${deps.length ? `(${deps.join(', ')},)` : 'None'}\n`,
    );
  }
  return files;
}

describe('depends_on normalisation: the one-pass version equals the ancestor walk', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random graph ${seed}`, () => {
      const features = featuresOf(LATEST_ALEMBIC);
      const scripts = graph(seed, 300).map((src, i) =>
        loadScript(
          i,
          { loadPath: `/v/f${i}.py`, fileName: `f${i}.py`, kind: 'source' } as never,
          `f${i}.py`,
          () => sourceOutcome(Buffer.from(src)),
          features,
          () => undefined,
          () => true,
        ),
      );
      const map = buildRevisionMap(scripts);
      const withDeps = map.all.filter((r) => r.resolvedDeps.length > 0);
      expect(withDeps.length).toBeGreaterThan(20);
      normalizeByWalking(map.all, map.byKey);
      const slow = map.all.map((r) => [...r.normalizedResolvedDeps].sort());
      expect(normalizeFast(map.all, new Map(map.revisions.map((r) => [r.key, r])))).toBe(true);
      const fast = map.all.map((r) => [...r.normalizedResolvedDeps].sort());
      expect(fast).toEqual(slow);
      expect(slow.some((d, i) => d.length < new Set(map.all[i]!.resolvedDeps).size)).toBe(true);
    });
  }
});
