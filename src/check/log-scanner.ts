/** The Alembic failures a deploy log can show, each with the id or argument it names. */
export type LogFailureKind =
  | 'missing-revision'
  | 'multiple-heads'
  | 'missing-parent'
  | 'duplicate-revision'
  | 'revisions-overlap'
  | 'revision-cycle'
  | 'postgres-url-scheme'
  | 'revision-id-too-long'
  | 'object-exists'
  | 'lock-wait-timeout';

export interface LogGroup {
  readonly kind: LogFailureKind;
  /** The revision id (or argument) the lines name; '' when the message names none. */
  readonly key: string;
  count: number;
  readonly firstLine: number;
  lastLine: number;
  /** The first matching line, cleaned (no ANSI, no Heroku prefix), cut to 300 characters. */
  readonly sample: string;
}

/** `Running upgrade A -> B`: where a revision was applied, which tells a placeholder's parent. */
export interface AppliedStep {
  readonly revision: string;
  readonly from: readonly string[];
  readonly line: number;
}

export interface LogScanResult {
  readonly lines: number;
  readonly groups: readonly LogGroup[];
  /** The last `Running upgrade … -> id` seen for each id. */
  readonly applied: ReadonlyMap<string, AppliedStep>;
}

const PATTERNS: readonly { kind: LogFailureKind; re: RegExp; key: (m: RegExpExecArray) => string }[] = [
  { kind: 'missing-revision', re: /Can't locate revision identified by '([^']*)'/u, key: (m) => m[1]! },
  {
    kind: 'multiple-heads',
    re: /Multiple head(?:s| revisions) are present(?: for given argument '([^']*)')?/u,
    key: (m) => m[1] ?? '',
  },
  { kind: 'missing-parent', re: /Revision (\S+) referenced from .+? is not present/u, key: (m) => m[1]! },
  { kind: 'missing-parent', re: /^(?:.*\s)?KeyError: '([^']*)'/u, key: (m) => m[1]! },
  { kind: 'duplicate-revision', re: /Revision (\S+) is present more than once/u, key: (m) => m[1]! },
  {
    kind: 'revisions-overlap',
    re: /Requested revision (\S+) overlaps with other requested revisions/u,
    key: (m) => m[1]!,
  },
  {
    kind: 'revision-cycle',
    re: /(?:Dependency )?(?:[Cc]ycle|[Ss]elf-loop) is detected in revisions \(([^()]*)\)/u,
    key: (m) => m[1]!,
  },
  { kind: 'postgres-url-scheme', re: /Can't load plugin: sqlalchemy\.dialects:postgres\b/u, key: () => '' },
  {
    kind: 'revision-id-too-long',
    re: /value too long for type character varying\((\d+)\)/u,
    key: (m) => m[1]!,
  },
  // MySQL and MariaDB, as PyMySQL and mysqlclient print them: (errno, "message")
  { kind: 'revision-id-too-long', re: /\(1406, "Data too long for column 'version_num'/u, key: () => '' },
  {
    kind: 'object-exists',
    re: /\(10(?:50|60|61), "(?:Table|Duplicate column name|Duplicate key name) '([^']*)'/u,
    key: (m) => m[1]!,
  },
  { kind: 'lock-wait-timeout', re: /\(1205, ['"]Lock wait timeout exceeded/u, key: () => '' },
];
const APPLIED = /Running upgrade (.*?) -> ([^,\s]+)/u;
// eslint-disable-next-line no-control-regex -- ANSI escapes start with ESC
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/gu;
// 2025-10-14T12:00:00.000000+00:00 app[release.1234]: …
const HEROKU_PREFIX = /^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) [\w-]+\[[^\]]+\]: /u;
/** Longer lines are matched on their first part only, so one huge line cannot exhaust memory. */
const MAX_LINE = 64 * 1024;

/**
 * Reads a log in chunks of any size and keeps only the groups, never the
 * log: memory stays bounded however long the log is.
 */
export class LogScanner {
  private carry = '';
  private overflow = false;
  private lineNo = 0;
  private readonly groups = new Map<string, LogGroup>();
  private readonly applied = new Map<string, AppliedStep>();
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const piece = text.slice(start, nl);
      if (!this.overflow) this.line(this.carry + piece);
      else this.line(this.carry);
      this.carry = '';
      this.overflow = false;
      start = nl + 1;
    }
    if (!this.overflow) {
      this.carry += text.slice(start);
      if (this.carry.length > MAX_LINE) {
        this.carry = this.carry.slice(0, MAX_LINE);
        this.overflow = true;
      }
    }
  }

  end(): LogScanResult {
    const rest = this.decoder.decode();
    if (rest) this.push(rest);
    if (this.carry !== '' || this.overflow) this.line(this.carry);
    this.carry = '';
    return { lines: this.lineNo, groups: [...this.groups.values()], applied: this.applied };
  }

  private line(raw: string): void {
    this.lineNo++;
    let l = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.includes('\x1b')) l = l.replace(ANSI, '');
    l = l.replace(HEROKU_PREFIX, '');
    const a = APPLIED.exec(l);
    if (a) {
      const from = a[1]!.trim();
      this.applied.set(a[2]!, {
        revision: a[2]!,
        from: from === '' ? [] : from.split(/,\s*/u),
        line: this.lineNo,
      });
      return;
    }
    for (const p of PATTERNS) {
      const m = p.re.exec(l);
      if (!m) continue;
      const id = `${p.kind}\0${p.key(m)}`;
      const g = this.groups.get(id);
      if (g) {
        g.count++;
        g.lastLine = this.lineNo;
      } else {
        this.groups.set(id, {
          kind: p.kind,
          key: p.key(m),
          count: 1,
          firstLine: this.lineNo,
          lastLine: this.lineNo,
          sample: l.trim().slice(0, 300),
        });
      }
      return;
    }
  }
}

/** Scans a whole string (tests and small inputs). */
export function scanLogText(text: string): LogScanResult {
  const s = new LogScanner();
  s.push(text);
  return s.end();
}
