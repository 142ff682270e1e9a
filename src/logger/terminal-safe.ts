/**
 * Control characters a revision id, a file name or a database row can carry into a report: an escape
 * sequence that clears the line or hides what follows, a lone carriage return that prints over the
 * verdict, bidirectional overrides that reorder it on screen. Human text shows each as Python's repr
 * would (`\x1b`, `\r`, `\u202e`); a CRLF line end in a diff stays, so the diff still applies.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)/gu;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    if (ch === '\r') return '\\r';
    const c = ch.charCodeAt(0);
    return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  });
}
