/**
 * How a function's cost grows with its input, measured in this process: the time per call at size n and
 * at size factor·n, each the best of several batches long enough for the timer to resolve. Linear code
 * gives about `factor`; quadratic code gives about factor². A ratio, not a time: a loaded or slow machine
 * slows both sizes alike, and the bound leaves a wide margin for noise (speed itself lives in npm run bench).
 */
export function growthRatio(run: (n: number) => unknown, n: number, factor = 8): number {
  const batch = (size: number): number => {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    // at least 20 ms a batch, so that a fast call is not lost in the timer's resolution
    do {
      run(size);
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < 20 && calls < 10_000);
    return elapsed / calls;
  };
  // warm both sizes first (the first calls run in the interpreter), then interleave, keeping each size's best
  batch(n);
  batch(n * factor);
  let small = Infinity;
  let large = Infinity;
  for (let round = 0; round < 5; round++) {
    small = Math.min(small, batch(n));
    large = Math.min(large, batch(n * factor));
  }
  return large / small;
}

/** The bound for growthRatio: linear with room for noise (4× the factor), far below quadratic (factor²). */
export const LINEAR_BOUND = (factor = 8): number => factor * 4;

/** Runs a function that may refuse its input: refusing is an answer too, and only the growth is measured. */
export function tolerant<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}
