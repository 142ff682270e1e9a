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
 * A finding's title, said to restate its message's first sentence (`full`) only when it is that
 * sentence: a shorter one leaves the whole message to the why, so nothing the sentence says is lost.
 */
export function restatedTitle(title: string, full: string): { title: string; titleRestates?: true } {
  return title === full ? { title, titleRestates: true } : { title };
}
