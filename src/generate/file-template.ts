/**
 * Alembic's `ScriptDirectory._rev_path`: the new file's name from
 * `file_template` (Python %-formatting over rev, slug, epoch and the date
 * parts), with the slug cut as Alembic cuts it.
 */
export function renderFileName(
  template: string,
  rev: string,
  message: string,
  date: Date,
  truncateSlugLength = 40,
): string {
  const values: Record<string, string | number> = {
    rev,
    slug: slugOf(message, truncateSlugLength),
    epoch: Math.floor(date.getTime() / 1000),
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
  return `${pyFormat(template, values)}.py`;
}

/** `"_".join(re.findall(r"\w+", message)).lower()`, truncated on a word boundary. */
export function slugOf(message: string, truncateSlugLength = 40): string {
  const limit = truncateSlugLength > 0 ? truncateSlugLength : 40;
  let slug = (message.match(/[\p{L}\p{N}_]+/gu) ?? []).join('_').toLowerCase();
  if (slug.length > limit) slug = slug.slice(0, limit).replace(/_[^_]*$/u, '') + '_';
  return slug;
}

// the width cannot start with 0: Python's flag loop takes every 0 first (and an overlap would backtrack quadratically)
const SPEC = /%(?:\((\w+)\))?([#0\- +]*)([1-9]\d*)?(?:\.(\d+))?([sdir%])/gu;

export class FileTemplateError extends Error {}

/** The subset of Python's `%` operator that file templates use; anything else is refused, not guessed. */
export function pyFormat(template: string, values: Readonly<Record<string, string | number>>): string {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(SPEC)) {
    out += template.slice(last, m.index);
    last = m.index + m[0].length;
    const [, key, flags = '', width, precision, conv] = m;
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (key === undefined)
      throw new FileTemplateError(
        `file_template uses a positional field (${m[0]}); Alembic passes named fields only`,
      );
    if (!Object.hasOwn(values, key))
      throw new FileTemplateError(
        `file_template names %(${key}), which Alembic does not provide (KeyError: '${key}')`,
      );
    const v = values[key]!;
    let text: string;
    if (conv === 'd' || conv === 'i') {
      if (typeof v !== 'number')
        throw new FileTemplateError(`file_template formats %(${key}) as a number, but it is text`);
      text = String(Math.abs(v));
      if (precision !== undefined) text = text.padStart(Number(precision), '0');
      if (v < 0) text = `-${text}`;
    } else {
      text = String(v);
      if (precision !== undefined) text = text.slice(0, Number(precision));
    }
    if (width !== undefined && text.length < Number(width)) {
      const w = Number(width);
      if (flags.includes('-')) text = text.padEnd(w, ' ');
      else if (flags.includes('0') && conv !== 's')
        text = text.startsWith('-') ? `-${text.slice(1).padStart(w - 1, '0')}` : text.padStart(w, '0');
      else text = text.padStart(w, ' ');
    }
    out += text;
  }
  out += template.slice(last);
  if (/%(?!%)/u.test(template.replace(SPEC, '')))
    throw new FileTemplateError(`file_template has a % that is not a format field: ${template}`);
  return out;
}
