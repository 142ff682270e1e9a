import type { ProjectFiles } from '../../project/project-files.js';
import { ConfigError } from '../../errors/errors.js';
import { IniError, parseIni } from './ini-parser.js';
import { decodeBytesLikePython, decodeLikePython } from '../../python/python-decode.js';

// alembic.ini and pyproject.toml's [tool.alembic] read as Python reads them: their bytes, their
// decoding, their parse errors as Alembic reports them.

export type TomlTable = Record<string, unknown>;

export function tomlValue(v: unknown, name: string, args: Record<string, string>): unknown {
  const fmt = (s: unknown): string => {
    if (typeof s !== 'string') return String(s);
    return s.replace(/%(?:\(([^)]*)\)s|%|(.))/g, (m, key: string | undefined, other: string | undefined) => {
      if (m === '%%') return '%';
      if (key !== undefined && Object.hasOwn(args, key)) return args[key]!;
      throw new ConfigError(`pyproject.toml [tool.alembic] ${name} uses ${m}, which Alembic cannot format.`, {
        alembicError:
          key !== undefined
            ? `KeyError: '${key}'`
            : `ValueError: unsupported format character '${other ?? ''}'`,
        hint: 'Write a literal % as %% in pyproject.toml; only %(here)s is substituted.',
      });
    });
  };
  if (typeof v === 'string') return fmt(v);
  if (Array.isArray(v))
    return v.map((x) =>
      x !== null && typeof x === 'object'
        ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, fmt(y)]))
        : fmt(x),
    );
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, y]) => [k, fmt(y)]));
  throw new ConfigError(`unsupported TOML value type for key: '${name}'`, {
    alembicError: `FAILED: unsupported TOML value type for key: '${name}'`,
  });
}

export async function readTomlSection(files: ProjectFiles, file: string): Promise<TomlTable | undefined> {
  const { parse } = await import('smol-toml');
  let data: Record<string, unknown>;
  // tomllib.load decodes the bytes as strict UTF-8 and keeps a byte-order mark, which no TOML statement starts with
  const decoded = decodeBytesLikePython(readConfigBytes(files, file));
  if ('error' in decoded) {
    throw new ConfigError('pyproject.toml is not UTF-8 text, and Python reads it as UTF-8.', {
      alembicError: decoded.error,
      hint: 'Save pyproject.toml as UTF-8.',
      path: file,
    });
  }
  if (decoded.text.startsWith('\uFEFF')) {
    throw new ConfigError(
      'pyproject.toml starts with a byte-order mark (U+FEFF), which Python reads as text and TOML does not allow.',
      {
        alembicError: 'tomllib.TOMLDecodeError: Invalid statement (at line 1, column 1)',
        hint: withoutByteOrderMark('pyproject.toml'),
        path: file,
      },
    );
  }
  try {
    data = parse(decoded.text) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`pyproject.toml is not valid TOML: ${(e as Error).message.split('\n')[0]}`, {
      alembicError: 'tomllib.TOMLDecodeError',
      hint: 'Fix the TOML syntax in pyproject.toml.',
      path: file,
    });
  }
  const tool = data.tool as Record<string, unknown> | undefined;
  if (!tool || !('alembic' in tool)) return undefined;
  const section = tool.alembic;
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw new ConfigError('Incorrect TOML format', {
      alembicError: 'FAILED: Incorrect TOML format',
      hint: '[tool.alembic] must be a table in pyproject.toml.',
    });
  }
  return section as TomlTable;
}

export function iniFailure(e: unknown, iniName: string, byteOrderMark = false): ConfigError {
  if (e instanceof ConfigError) return e;
  if (e instanceof IniError) {
    // Windows editors save a byte-order mark; Python's utf-8 codec keeps it, so line 1 is no section header
    const bom =
      byteOrderMark && e.line === 1 && e.message.startsWith('configparser.MissingSectionHeaderError');
    return new ConfigError(
      `${iniName} cannot be read the way Alembic reads it${bom ? ': it starts with a byte-order mark (U+FEFF), which Python reads as text' : ''}.`,
      {
        alembicError: e.message,
        hint: bom
          ? withoutByteOrderMark(iniName)
          : `Fix ${iniName}: ${e.message.split(':').slice(1).join(':').trim().split('\n')[0]}`,
        line: e.line,
      },
    );
  }
  return new ConfigError(`${iniName} cannot be read: ${(e as Error).message}`, {
    hint: 'Check the file exists and is readable.',
  });
}

/**
 * alembic.ini as configparser reads it: strict UTF-8 (Python's default on Heroku and in its UTF-8
 * mode). Invalid bytes are Python's UnicodeDecodeError on every Alembic command, unless a line read
 * before them already failed.
 */
export function readIniText(files: ProjectFiles, file: string, iniName: string): string {
  const decoded = decodeLikePython(readConfigBytes(files, file));
  if ('text' in decoded) return decoded.text;
  parseIni(decoded.before, iniName, {}, { partial: true });
  throw new ConfigError(`${iniName} is not UTF-8 text, and Python reads it as UTF-8.`, {
    alembicError: decoded.error,
    hint: `Save ${iniName} as UTF-8 (an editor's "Save with encoding"; iconv -f latin1 -t utf-8 converts a Latin-1 file).`,
  });
}

function readConfigBytes(files: ProjectFiles, file: string): Buffer {
  const bytes = files.bytes(file);
  if (bytes === undefined)
    throw new ConfigError(`${file} cannot be read: ${files.readError(file) ?? 'unknown error'}`, {
      hint: 'Check the file permissions.',
    });
  return bytes;
}

/** The fix for a byte-order mark, which Windows editors save and Python reads as text. */
function withoutByteOrderMark(name: string): string {
  return `Save ${name} as UTF-8 without a byte-order mark (sed -i '1s/^\\xEF\\xBB\\xBF//' ${name} removes it).`;
}
