/**
 * `# alembic-preflight: ignore CODE[, CODE…] -- reason` in a revision file: on the line a finding
 * points to (as a trailing comment or the line's only text), or on a comment line above the file's
 * `revision = …`, where it covers the whole file. A reason is required: one without is not applied
 * (suppression-without-reason reports it).
 */
export interface Directive {
  readonly line: number;
  readonly codes: readonly string[];
  readonly reason?: string;
  /** A comment line above `revision = …`: the whole file. */
  readonly fileWide: boolean;
}

const MARK = 'alembic-preflight:';

/** What follows `# alembic-preflight: ignore` on a line; undefined when the line has no such comment. Scanned, not matched: a line may be long. */
function directiveText(line: string): string | undefined {
  const at = line.indexOf(MARK);
  if (at < 0) return undefined;
  let hash = at - 1;
  while (hash >= 0 && (line[hash] === ' ' || line[hash] === '\t')) hash--;
  if (hash < 0 || line[hash] !== '#') return undefined;
  const rest = line.slice(at + MARK.length).trimStart();
  if (!rest.startsWith('ignore') || /^\w/u.test(rest.slice(6))) return undefined;
  return rest.slice(6);
}

/** The directives of a file's text; `revisionLine`: where `revision = …` is (file-wide above it). */
export function directivesOf(text: string, revisionLine: number | undefined): Directive[] {
  if (!text.includes('alembic-preflight:')) return [];
  const out: Directive[] = [];
  const lines = text.split(/\r\n|\r|\n/u);
  lines.forEach((raw, i) => {
    const found = directiveText(raw);
    if (found === undefined) return;
    const [codesPart, ...rest] = found.split('--');
    const reason = rest.join('--').trim();
    const codes = codesPart!.split(/[\s,]+/u).filter(Boolean);
    const line = i + 1;
    const alone = raw.trimStart().startsWith('#');
    out.push({
      line,
      codes,
      ...(reason ? { reason } : {}),
      fileWide: alone && revisionLine !== undefined && line < revisionLine,
    });
  });
  return out;
}

/** The directive that covers a finding of `code` at `line` (undefined: none with a reason does). */
export function covering(
  directives: readonly Directive[],
  code: string,
  line: number | undefined,
): Directive | undefined {
  return directives.find(
    (d) =>
      d.reason !== undefined &&
      d.codes.includes(code) &&
      (d.fileWide || (line !== undefined && d.line === line)),
  );
}
