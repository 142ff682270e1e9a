import { IniError, type IniFile } from './ini-parser.js';
import { pyRepr } from '../../python/python-value.js';

/** Why `logging.config.fileConfig(fname)` raises for a file, as Python prints the exception. */
export interface LoggingConfigFailure {
  /** The exception's last traceback line, e.g. `KeyError: 'formatters'`. */
  readonly error: string;
  /** What is wrong, in words: `[formatters] is missing`. */
  readonly cause: string;
  /** The section the failure is about, when there is one (for a line number). */
  readonly section?: string;
  readonly option?: string;
  /** The edit that makes fileConfig accept the file, when one is clear. */
  readonly fix?: string;
}

export interface LoggingConfigFile {
  /** The name env.py passes (config.config_file_name: the -c value, or alembic.ini). */
  readonly fname: string;
  /** The file parsed, or undefined when it does not exist. */
  readonly ini: IniFile | undefined;
  /** The file exists and holds no bytes. */
  readonly empty: boolean;
  /** Python 3.12 and later check the file before reading it (FileNotFoundError, RuntimeError). */
  readonly python312: boolean;
  /** env.py passes `defaults=config.config_args`: `here` is defined, as when Alembic reads the file. */
  readonly alembicDefaults?: boolean;
}

// logging._nameToLevel: what Handler.setLevel and Logger.setLevel accept as a name
const LEVELS = new Set(['CRITICAL', 'FATAL', 'ERROR', 'WARN', 'WARNING', 'INFO', 'DEBUG', 'NOTSET']);
// logging.PercentStyle.validation_pattern; Python's \w is Unicode letters, numbers and '_'
// (a width starting with 0 is taken by the flags in any match, so it is left to them: no quadratic overlap)
const PERCENT_FIELD = /%\([\p{L}\p{N}_]+\)[#0+ -]*(\*|[1-9]\d*)?(\.(\*|\d+))?[diouxefgcrsa%]/iu;
// Python's int() on a str: surrounding whitespace, a sign, digits with single underscores between them
const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/u;

class Raised extends Error {
  constructor(readonly failure: LoggingConfigFailure) {
    super(failure.error);
  }
}

const keyError = (key: string, cause: string, fix: string, section?: string, option?: string): Raised =>
  new Raised({ error: `KeyError: ${pyRepr({ t: 'str', v: key })}`, cause, fix, section, option });

/**
 * What `logging.config.fileConfig(fname)` (the call at the top of Alembic's
 * env.py templates) raises for this file, or undefined when it configures
 * logging. It follows CPython's fileConfig, _create_formatters,
 * _install_handlers and _install_loggers lookup by lookup, in their order, so
 * the first failure is the one Python reports. What it cannot know without
 * running Python (a handler's class and args, a formatter's class, '{' and
 * '$' format styles) it takes as working: it never reports a failure Python
 * would not raise.
 */
export function fileConfigFailure(file: LoggingConfigFile): LoggingConfigFailure | undefined {
  const { fname, ini, empty, python312 } = file;
  if (ini === undefined) {
    return python312
      ? { error: `FileNotFoundError: ${fname} doesn't exist`, cause: `there is no ${fname}` }
      : {
          error: "KeyError: 'formatters'",
          cause: `there is no ${fname} (configparser reads a missing file as an empty one)`,
        };
  }
  if (empty) {
    return python312
      ? { error: `RuntimeError: ${fname} is an empty file`, cause: `${fname} is empty` }
      : { error: "KeyError: 'formatters'", cause: `${fname} is empty` };
  }
  // fileConfig builds its own ConfigParser with the defaults it is given, usually none: %(here)s, which Alembic supplies, is then unknown to it
  const cp = file.alembicDefaults ? ini : ini.withInjectedDefaults({});
  try {
    configure(cp);
    return undefined;
  } catch (e) {
    if (e instanceof Raised) return e.failure;
    if (e instanceof IniError) {
      return {
        error: e.message,
        cause:
          'a value refers to an option fileConfig does not have (it passes no defaults: %(here)s is unknown there)',
        fix: 'write the path out in full instead of %(here)s, and %% for a literal %',
      };
    }
    throw e;
  }
}

function configure(cp: IniFile): void {
  const config = new FileConfig(cp);
  const formatters = config.createFormatters();
  const handlers = config.installHandlers(formatters);
  config.installLoggers(handlers);
}

/** logging.config.fileConfig's steps over the ini, raising what Python raises at the first error. */
class FileConfig {
  constructor(private readonly cp: IniFile) {}

  /** cp[name]: a KeyError when the section is missing. */
  section(name: string, listed?: { by: string; as: string }): string {
    if (!this.cp.hasSection(name)) {
      throw listed
        ? keyError(
            name,
            `[${name}] is missing, and [${listed.by}] lists ${listed.as}`,
            `add [${name}], or remove ${listed.as} from the keys of [${listed.by}]`,
            name,
          )
        : keyError(name, `[${name}] is missing`, `add [${name}]`, name);
    }
    return name;
  }

  /** cp[section][key]: a KeyError when the option is missing; interpolated. */
  item(sect: string, key: string): string {
    if (!this.cp.hasOption(sect, key))
      throw keyError(key, `[${sect}] has no ${key} option`, `add ${key} = … to [${sect}]`, sect, key);
    return this.cp.get(sect, key)!;
  }

  optional(sect: string, key: string, fallback: string): string {
    return this.cp.hasOption(sect, key) ? this.cp.get(sect, key)! : fallback;
  }

  level(sect: string): void {
    if (!this.cp.hasOption(sect, 'level')) return;
    const value = this.item(sect, 'level');
    if (!LEVELS.has(value)) {
      throw new Raised({
        error: `ValueError: Unknown level: ${pyRepr({ t: 'str', v: value })}`,
        cause: `[${sect}] sets level = ${value}, which is not a level name`,
        fix: `write one of DEBUG, INFO, WARNING, ERROR, CRITICAL or NOTSET (in capitals) as the level in [${sect}]`,
        section: sect,
        option: 'level',
      });
    }
  }

  /** _create_formatters */
  createFormatters(): Set<string> {
    const { cp } = this;
    const formatters = new Set<string>();
    const flist = this.item(this.section('formatters'), 'keys');
    if (flist.length === 0) return formatters;
    for (const form of names(flist)) {
      const sect = `formatter_${form}`;
      const fs = cp.hasSection(sect) ? cp.rawValue(sect, 'format') : undefined;
      const style = cp.hasSection(sect) ? (cp.rawValue(sect, 'style') ?? '%') : '%';
      this.section(sect, { by: 'formatters', as: form });
      const custom = this.optional(sect, 'class', '');
      if (custom === '') {
        if (style !== '%' && style !== '{' && style !== '$') {
          throw new Raised({
            error: 'ValueError: Style must be one of: %,{,$',
            cause: `[${sect}] sets style = ${style}`,
            fix: `write style = % (or { or $) in [${sect}]`,
            section: sect,
            option: 'style',
          });
        }
        if (style === '%' && fs !== undefined && fs !== '' && !PERCENT_FIELD.test(fs)) {
          throw new Raised({
            error: `ValueError: Invalid format '${fs}' for '%' style`,
            cause: `[${sect}]'s format has no %(name)s field`,
            fix: `give [${sect}] a format with fields, such as format = %(levelname)-5.5s [%(name)s] %(message)s`,
            section: sect,
            option: 'format',
          });
        }
      }
      formatters.add(form);
    }
    return formatters;
  }

  /** _install_handlers */
  installHandlers(formatters: ReadonlySet<string>): Set<string> {
    const handlers = new Set<string>();
    const hlist = this.item(this.section('handlers'), 'keys');
    if (hlist.length === 0) return handlers;
    for (const hand of names(hlist)) {
      const sect = this.section(`handler_${hand}`, { by: 'handlers', as: hand });
      this.item(sect, 'class');
      const fmt = this.optional(sect, 'formatter', '');
      this.optional(sect, 'args', '()');
      this.optional(sect, 'kwargs', '{}');
      this.level(sect);
      if (fmt.length > 0 && !formatters.has(fmt))
        throw keyError(
          fmt,
          `[${sect}] names formatter ${fmt}, which [formatters] does not list`,
          `list ${fmt} in the keys of [formatters] and add [formatter_${fmt}], or remove formatter = ${fmt} from [${sect}]`,
          sect,
          'formatter',
        );
      handlers.add(hand);
    }
    return handlers;
  }

  /** _install_loggers: the root first, then the others */
  installLoggers(handlers: ReadonlySet<string>): void {
    const llist = names(this.item(this.section('loggers'), 'keys'));
    const root = llist.indexOf('root');
    if (root < 0) {
      throw new Raised({
        error: 'ValueError: list.remove(x): x not in list',
        cause: 'the keys of [loggers] do not list root',
        fix: 'list root first in the keys of [loggers] (keys = root,…): fileConfig always configures the root logger from [logger_root]',
        section: 'loggers',
        option: 'keys',
      });
    }
    llist.splice(root, 1);
    const rootSect = this.section('logger_root');
    this.level(rootSect);
    this.loggerHandlers(rootSect, handlers);
    for (const log of llist) {
      const sect = this.section(`logger_${log}`, { by: 'loggers', as: log });
      this.item(sect, 'qualname');
      if (this.cp.hasOption(sect, 'propagate')) {
        const value = this.cp.get(sect, 'propagate')!;
        if (!PY_INT.test(value)) {
          throw new Raised({
            error: `ValueError: invalid literal for int() with base 10: ${pyRepr({ t: 'str', v: value })}`,
            cause: `[${sect}] sets propagate = ${value}; fileConfig reads it as a whole number`,
            fix: `write propagate = 0 or propagate = 1 in [${sect}]`,
            section: sect,
            option: 'propagate',
          });
        }
      }
      this.level(sect);
      this.loggerHandlers(sect, handlers);
    }
  }

  private loggerHandlers(sect: string, handlers: ReadonlySet<string>): void {
    const list = this.item(sect, 'handlers');
    if (list.length === 0) return;
    for (const hand of names(list)) {
      if (!handlers.has(hand))
        throw keyError(
          hand,
          `[${sect}] names handler ${hand}, which [handlers] does not list`,
          `list ${hand} in the keys of [handlers] and add [handler_${hand}], or remove ${hand} from the handlers of [${sect}]`,
          sect,
          'handlers',
        );
    }
  }
}

function names(list: string): string[] {
  return list.split(',').map((x) => x.trim());
}
