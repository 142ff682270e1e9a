/** The text report's width: a finding's first line (`severity [code] title`) fits in it. */
export const REPORT_WIDTH = 100;

/**
 * The first of `candidates`, longest and most specific first, that fits on a finding's first line
 * after `warning [code] ` (the longest severity mark, so a configured severity still fits); else the
 * last, the shortest by construction. A title is chosen whole, never cut.
 */
export function fittingTitle(code: string, ...candidates: readonly string[]): string {
  const room = REPORT_WIDTH - `warning [${code}] `.length;
  return candidates.find((t) => t.length <= room) ?? candidates[candidates.length - 1]!;
}

/**
 * A finding whose message opens with `full`: the first of `full` and `shorter` that fits the first
 * line, said to restate that sentence only when it is `full` itself; a shorter one leaves the whole
 * message to the why, so nothing the sentence says is lost.
 */
export function restatedTitle(
  code: string,
  full: string,
  ...shorter: readonly string[]
): { title: string; titleRestates?: true } {
  const title = fittingTitle(code, full, ...shorter);
  return title === full ? { title, titleRestates: true } : { title };
}
