/**
 * Python's configparser.ConfigParser (BasicInterpolation, strict=True) as
 * Alembic uses it: '=' and ':' delimiters, case-insensitive option names,
 * case-sensitive sections, full-line '#'/';' comments only, indented
 * continuation lines, a DEFAULT section, and %(name)s / %% interpolation
 * performed when a value is read.
 */
export class IniError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

export interface IniOption {
  readonly raw: string;
  readonly line: number;
}

export class IniFile {
  readonly sections = new Map<string, Map<string, IniOption>>();
  readonly defaults = new Map<string, IniOption>();
  /** The line of each section's header. */
  readonly sectionLines = new Map<string, number>();

  constructor(
    readonly fileName: string,
    readonly injectedDefaults: Record<string, string> = {},
  ) {}

  /**
   * The same file as a parser given other defaults reads it: logging.config.fileConfig
   * builds its ConfigParser with none, so %(here)s, which Alembic supplies, is unknown there.
   */
  withInjectedDefaults(injected: Record<string, string>): IniFile {
    const copy = new IniFile(this.fileName, injected);
    for (const [k, v] of this.sections) copy.sections.set(k, v);
    for (const [k, v] of this.defaults) copy.defaults.set(k, v);
    for (const [k, v] of this.sectionLines) copy.sectionLines.set(k, v);
    return copy;
  }

  hasSection(name: string): boolean {
    return this.sections.has(name);
  }

  /** configparser's has_option: true when the option is in the section or DEFAULT. */
  hasOption(section: string, option: string): boolean {
    const s = this.sections.get(section);
    if (!s) return false;
    const key = option.toLowerCase();
    return s.has(key) || this.defaults.has(key) || key in this.injectedDefaults;
  }

  optionLine(section: string, option: string): number | undefined {
    const key = option.toLowerCase();
    return this.sections.get(section)?.get(key)?.line ?? this.defaults.get(key)?.line;
  }

  /** The value as written (before %(name)s interpolation), or undefined when absent. */
  rawValue(section: string, option: string): string | undefined {
    return this.sections.has(section) ? this.lookupRaw(section, option.toLowerCase()) : undefined;
  }

  /** The interpolated value, or undefined when absent. Throws IniError as Python would. */
  get(section: string, option: string): string | undefined {
    if (!this.sections.has(section)) return undefined;
    const key = option.toLowerCase();
    const raw = this.lookupRaw(section, key);
    if (raw === undefined) return undefined;
    return this.interpolate(section, key, raw, 1);
  }

  private lookupRaw(section: string, key: string): string | undefined {
    const opt = this.sections.get(section)?.get(key) ?? this.defaults.get(key);
    if (opt) return opt.raw;
    // own keys only: %(constructor)s is a missing option, as in configparser, not Object's constructor
    return Object.hasOwn(this.injectedDefaults, key) ? this.injectedDefaults[key] : undefined;
  }

  private interpolate(section: string, option: string, value: string, depth: number): string {
    if (depth > 10) {
      throw new IniError(
        `configparser.InterpolationDepthError: Recursion limit exceeded in value substitution: option ${pyRepr(option)} in section ${pyRepr(section)} contains an interpolation key which cannot be substituted in 10 steps. Raw value: ${pyRepr(value)}`,
      );
    }
    let out = '';
    let rest = value;
    while (rest.length > 0) {
      const p = rest.indexOf('%');
      if (p < 0) {
        out += rest;
        break;
      }
      out += rest.slice(0, p);
      rest = rest.slice(p);
      const c = rest[1];
      if (c === '%') {
        out += '%';
        rest = rest.slice(2);
      } else if (c === '(') {
        const m = /^%\(([^)]+)\)s/.exec(rest);
        if (!m) {
          throw new IniError(
            `configparser.InterpolationSyntaxError: bad interpolation variable reference ${pyRepr(rest)}`,
          );
        }
        const ref = m[1]!.toLowerCase();
        const raw = this.lookupRaw(section, ref);
        if (raw === undefined) {
          throw new IniError(
            `configparser.InterpolationMissingOptionError: Bad value substitution: option ${pyRepr(option)} in section ${pyRepr(section)} contains an interpolation key ${pyRepr(ref)} which is not a valid option name. Raw value: ${pyRepr(value)}`,
          );
        }
        out += raw.includes('%') ? this.interpolate(section, ref, raw, depth + 1) : raw;
        rest = rest.slice(m[0].length);
      } else {
        throw new IniError(
          `configparser.InterpolationSyntaxError: '%' must be followed by '%' or '(', found: ${pyRepr(rest)}`,
        );
      }
    }
    return out;
  }
}

/**
 * A `#` after a blank inside an ini value: configparser, as Alembic sets it up, keeps no inline
 * comments, so `script_location = migrations  # ours` names the folder "migrations  # ours".
 * Returns the value before the comment and the comment, for a hint that says so.
 */
export function inlineComment(
  value: string,
): { readonly before: string; readonly comment: string } | undefined {
  const m = /^(?<before>.*?)(?<![ \t])[ \t]+(?<comment>#.*)$/su.exec(value);
  return m ? { before: m.groups!.before!, comment: m.groups!.comment! } : undefined;
}

/** The sentence a hint adds when a value carries an inline comment; '' when it does not. */
export function inlineCommentAdvice(option: string, value: string): string {
  const c = inlineComment(value);
  if (!c) return '';
  const comment = c.comment.length > 40 ? `${c.comment.slice(0, 37)}...` : c.comment;
  return `alembic.ini has no inline comments: "${comment}" is part of the value of ${option}. Move the comment to a line of its own (${option} = ${c.before}). `;
}

/** Python's str.isspace() characters: what strip() removes and \\s matches (not JS's set: no U+FEFF, but U+001C–U+001F and U+0085). */
const PY_SPACE =
  '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${PY_SPACE}]+`, 'u');
const NON_SPACE = new RegExp(`[^${PY_SPACE}]`, 'u');
/** configparser.SECTCRE, matched at the start only: `[alembic] # note` is the section alembic. */
const SECTION = /^\[(?<header>.+)\]/su;
/**
 * configparser.OPTCRE with '=' and ':' (`(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$`): the option
 * ends at the first delimiter, without the blanks before it; the value is the rest, which the caller
 * strips as configparser does. Searched for, not matched with that pattern, which retries from each
 * blank of a long blank run and so takes quadratic time.
 */
function optionParts(line: string): { option: string; value: string } | undefined {
  const d = line.search(/[=:]/u);
  return d < 0 ? undefined : { option: pyTrimEnd(line.slice(0, d)), value: line.slice(d + 1) };
}

/** Python's rstrip(): a loop, because `[…]+$` retries from each blank of a run that is not at the end. */
function pyTrimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && !NON_SPACE.test(s[end - 1]!)) end--;
  return s.slice(0, end);
}

function pyStrip(s: string): string {
  return pyTrimEnd(s.replace(LEADING, ''));
}

/**
 * configparser.RawConfigParser._read, step by step (Python 3.8–3.13 agree on it), with the
 * defaults Alembic uses: strict, '#' and ';' full-line comments, no inline comments, empty lines
 * kept in values. Lines split as Python's text files do (\\n, \\r\\n, \\r); a byte-order mark is
 * text, as Python's utf-8 codec leaves it: it makes the first line no section header.
 */
export function parseIni(
  text: string,
  fileName: string,
  injectedDefaults: Record<string, string> = {},
  opts: { partial?: boolean } = {},
): IniFile {
  const ini = new IniFile(fileName, injectedDefaults);
  const lines = text.split(/\r\n|\r|\n/);
  // the last element is what follows the final newline: a line only when non-empty
  const ended = lines.length > 0 && lines[lines.length - 1] === '';
  if (ended) lines.pop();
  let section: Map<string, IniOption> | null = null;
  let sectionName = '';
  let optionName: string | null = null;
  let indentLevel = 0;
  // each option's lines, joined once the file is read, as _join_multiline_values does
  const values = new Map<Map<string, IniOption>, Map<string, { line: number; parts: string[] }>>();
  const added = new Set<string>();
  const errors: string[] = [];

  lines.forEach((rawLine, idx) => {
    const lineNo = idx + 1;
    // the line as Python's file iteration yields it, for the messages
    const shown = pyRepr(idx < lines.length - 1 || ended ? `${rawLine}\n` : rawLine);
    const stripped = pyStrip(rawLine);
    const comment = stripped.startsWith('#') || stripped.startsWith(';');
    const value = comment ? '' : stripped;
    if (value === '') {
      // an empty line belongs to the value being read (empty_lines_in_values); a comment line does not
      if (!comment && section && optionName) values.get(section)!.get(optionName)!.parts.push('');
      return;
    }
    const first = NON_SPACE.exec(rawLine);
    const indent = first ? first.index : 0;
    if (section && optionName && indent > indentLevel) {
      values.get(section)!.get(optionName)!.parts.push(value);
      return;
    }
    indentLevel = indent;
    const sec = SECTION.exec(value);
    if (sec) {
      sectionName = sec.groups!.header!;
      if (sectionName === 'DEFAULT') section = ini.defaults;
      else {
        if (added.has(`s:${sectionName}`)) {
          throw new IniError(
            `configparser.DuplicateSectionError: While reading from '${fileName}' [line ${String(lineNo).padStart(2)}]: section '${sectionName}' already exists`,
            lineNo,
          );
        }
        added.add(`s:${sectionName}`);
        section = new Map();
        ini.sections.set(sectionName, section);
        ini.sectionLines.set(sectionName, lineNo);
      }
      optionName = null;
      return;
    }
    if (!section) {
      throw new IniError(
        `configparser.MissingSectionHeaderError: File contains no section headers.\nfile: '${fileName}', line: ${lineNo}\n${shown}`,
        lineNo,
      );
    }
    const m = optionParts(value);
    if (!m) {
      // kept going: configparser lists every bad line at the end; the option being read stays current
      errors.push(`\t[line ${String(lineNo).padStart(2)}]: ${shown}`);
      return;
    }
    if (m.option === '') errors.push(`\t[line ${String(lineNo).padStart(2)}]: ${shown}`);
    const key = m.option.toLowerCase();
    if (added.has(`o:${sectionName}\u0000${key}`)) {
      throw new IniError(
        `configparser.DuplicateOptionError: While reading from '${fileName}' [line ${String(lineNo).padStart(2)}]: option '${key}' in section '${sectionName}' already exists`,
        lineNo,
      );
    }
    added.add(`o:${sectionName}\u0000${key}`);
    optionName = key;
    if (!values.has(section)) values.set(section, new Map());
    values.get(section)!.set(key, { line: lineNo, parts: [pyStrip(m.value)] });
  });
  // trailing empty lines dropped, the rest joined with newlines
  for (const [sect, opts] of values) {
    for (const [key, { line, parts }] of opts) {
      while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      sect.set(key, { raw: parts.join('\n'), line });
    }
  }
  // partial: the lines Python read before something else stopped it; bad lines are only listed at the end
  if (errors.length > 0 && !opts.partial) {
    throw new IniError(
      `configparser.ParsingError: Source contains parsing errors: '${fileName}'\n${errors.join('\n')}`,
    );
  }
  return ini;
}

/** Python's repr() of a str: single quotes unless it holds one and no double quote. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (!PRINTABLE.test(ch))
      out +=
        c <= 0xff
          ? `\\x${c.toString(16).padStart(2, '0')}`
          : c <= 0xffff
            ? `\\u${c.toString(16).padStart(4, '0')}`
            : `\\U${c.toString(16).padStart(8, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** str.isprintable(): not Other (Cc, Cf, Cs, Co, Cn) or Separator (Zl, Zp, Zs) other than the space. */
const PRINTABLE = /^(?:[^\p{C}\p{Z}]| )$/u;
