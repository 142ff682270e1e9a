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

  constructor(readonly fileName: string, readonly injectedDefaults: Record<string, string> = {}) {}

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
    return this.injectedDefaults[key];
  }

  private interpolate(section: string, option: string, value: string, depth: number): string {
    if (depth > 10) {
      throw new IniError(
        `configparser.InterpolationDepthError: Recursion limit exceeded in value substitution: option '${option}' in section '${section}'`,
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
          throw new IniError(`configparser.InterpolationSyntaxError: bad interpolation variable reference '${rest}'`);
        }
        const ref = m[1]!.toLowerCase();
        const raw = this.lookupRaw(section, ref);
        if (raw === undefined) {
          throw new IniError(
            `configparser.InterpolationMissingOptionError: Bad value substitution: option '${option}' in section '${section}' contains an interpolation key '${ref}' which is not a valid option name. Raw value: '${value}'`,
          );
        }
        out += raw.includes('%') ? this.interpolate(section, ref, raw, depth + 1) : raw;
        rest = rest.slice(m[0].length);
      } else {
        throw new IniError(
          `configparser.InterpolationSyntaxError: '%' must be followed by '%' or '(', found: '${rest}'`,
        );
      }
    }
    return out;
  }
}

export function parseIni(text: string, fileName: string, injectedDefaults: Record<string, string> = {}): IniFile {
  const ini = new IniFile(fileName, injectedDefaults);
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let section: Map<string, IniOption> | null = null;
  let sectionName = '';
  let lastKey: string | null = null;
  let lastIndent = 0;
  let pending: { key: string; line: number; parts: string[] } | null = null;
  const errors: string[] = [];
  const seenSections = new Set<string>();

  const flush = (): void => {
    if (!pending || !section) return;
    while (pending.parts.length > 1 && pending.parts[pending.parts.length - 1] === '') pending.parts.pop();
    section.set(pending.key, { raw: pending.parts.join('\n'), line: pending.line });
    pending = null;
  };

  lines.forEach((rawLine, idx) => {
    const lineNo = idx + 1;
    const stripped = rawLine.trim();
    const indent = rawLine.length - rawLine.trimStart().length;
    if (stripped.startsWith('#') || stripped.startsWith(';')) return;
    if (stripped === '') {
      // blank lines may belong to a multi-line value (empty_lines_in_values)
      if (pending) pending.parts.push('');
      return;
    }
    if (pending && lastKey !== null && indent > lastIndent) {
      pending.parts.push(stripped);
      return;
    }
    flush();
    const sec = /^\[(?<name>.+)\]$/.exec(stripped);
    if (sec && indent === 0) {
      sectionName = sec.groups!.name!;
      if (seenSections.has(sectionName)) {
        throw new IniError(
          `configparser.DuplicateSectionError: While reading from '${fileName}' [line ${String(lineNo).padStart(2)}]: section '${sectionName}' already exists`,
          lineNo,
        );
      }
      seenSections.add(sectionName);
      if (sectionName === 'DEFAULT') section = ini.defaults;
      else {
        section = new Map();
        ini.sections.set(sectionName, section);
      }
      lastKey = null;
      return;
    }
    if (!section) {
      throw new IniError(
        `configparser.MissingSectionHeaderError: File contains no section headers.\nfile: '${fileName}', line: ${lineNo}\n${JSON.stringify(rawLine)}`,
        lineNo,
      );
    }
    const m = /^(?<key>.*?)\s*(?<op>[=:])\s*(?<value>.*)$/.exec(stripped);
    if (!m || m.groups!.key === '') {
      errors.push(`\t[line ${String(lineNo).padStart(2)}]: ${JSON.stringify(rawLine)}`);
      lastKey = null;
      return;
    }
    const key = m.groups!.key!.trimEnd().toLowerCase();
    if (section.has(key)) {
      throw new IniError(
        `configparser.DuplicateOptionError: While reading from '${fileName}' [line ${String(lineNo).padStart(2)}]: option '${key}' in section '${sectionName}' already exists`,
        lineNo,
      );
    }
    lastKey = key;
    lastIndent = indent;
    pending = { key, line: lineNo, parts: [m.groups!.value!.trim()] };
  });
  flush();
  if (errors.length > 0) {
    throw new IniError(`configparser.ParsingError: Source contains parsing errors: '${fileName}'\n${errors.join('\n')}`);
  }
  return ini;
}
