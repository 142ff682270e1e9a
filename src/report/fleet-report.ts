import type { FleetResult, TenantGroup } from '../check/fleet.js';
import { verdictLine, verdictLineText, type VerdictLine } from './verdict-line.js';
import type { Finding } from '../check/finding.js';
import { cell, escapeData, escapeProperty } from './review-formats.js';

/** What the fleet's report says of where it read. */
export interface FleetContext {
  /** The schema pattern, or for --databases the file that lists the databases. */
  readonly pattern: string;
  readonly databases?: true;
  /** --tenants on MySQL: each tenant is a database on the server, not a schema. */
  readonly tenantDatabases?: true;
  readonly host: string | null;
  readonly database: string;
  readonly target: string;
  readonly shard?: { readonly index: number; readonly count: number };
  /** The code verified against (check/code-fingerprint.ts): shards of other code are not merged. */
  readonly code: string;
  /** --allow-empty: a fleet with no tenant yet is expected (a first deploy). */
  readonly allowEmpty?: true;
}

const NAMES_SHOWN = 10;

function at(g: TenantGroup): string {
  if (g.unreachable !== undefined) return '(not read)';
  return !g.exists ? '(no version table)' : g.rows.length === 0 ? '(no row)' : g.rows.join(', ');
}

function upgrade(g: TenantGroup): string {
  if (g.unreachable !== undefined) return `NOT READ: ${g.unreachable}`;
  if (!g.willSucceed) return `FAILS: ${(g.alembicError ?? 'the upgrade fails').replace(/^FAILED: /u, '')}`;
  return g.pending === 0 ? 'nothing to apply' : `applies ${g.pending} migration${g.pending === 1 ? '' : 's'}`;
}

/** A finding's title in a fleet's table: its own, else its message's first sentence. */
function title(f: Finding): string {
  return f.title ?? f.message.split(/(?<=\.)\s/u)[0]!;
}

function names(schemas: readonly string[]): string {
  const shown = schemas.slice(0, NAMES_SHOWN).join(', ');
  return schemas.length > NAMES_SHOWN ? `${shown} and ${schemas.length - NAMES_SHOWN} more` : shown;
}

/** The histogram first (tenants by revision, and what the upgrade does there), then the outliers with their findings. */
export function fleetText(r: FleetResult, c: FleetContext): string {
  const shard = c.shard ? `, shard ${c.shard.index}/${c.shard.count}` : '';
  const head = c.databases
    ? `verify --databases ${c.pattern}: ${r.total} database${r.total === 1 ? '' : 's'}`
    : `verify --tenants '${c.pattern}' on ${c.host ?? 'localhost'}${c.tenantDatabases ? '' : `/${c.database}`}${shard}: ${r.total} ${unit(c)}${r.total === 1 ? '' : 's'}`;
  const lines = [`alembic-preflight ${head}; upgrade ${c.target}`, ''];
  if (r.total === 0) return [...lines, verdict(r, c)].join('\n') + '\n';
  const column = c.databases ? 'databases' : 'tenants';
  const width = Math.max(column.length, String(r.total).length);
  const atWidth = Math.min(40, Math.max(...r.groups.map((g) => at(g).length), 2));
  lines.push(`${column.padStart(width)}  ${'at'.padEnd(atWidth)}  upgrade`);
  for (const g of r.groups) {
    const codes = [...new Set(g.findings.filter((f) => f.severity !== 'info').map((f) => f.code))];
    lines.push(
      `${String(g.schemas.length).padStart(width)}  ${at(g).padEnd(atWidth)}  ${upgrade(g)}${codes.length > 0 ? `  [${codes.join(', ')}]` : ''}`,
    );
  }
  if (r.outliers.length > 0) {
    const count = r.outliers.reduce((n, g) => n + g.schemas.length, 0);
    const noun = unit(c);
    lines.push('', `apart from the fleet (${count} ${noun}${count === 1 ? '' : 's'}):`);
    for (const g of r.outliers) {
      lines.push(`  ${names(g.schemas)}: at ${at(g)}; ${upgrade(g)}`);
      for (const f of g.findings)
        if (f.severity !== 'info') lines.push(`    ${f.severity} [${f.code}] ${title(f)}`);
    }
  }
  lines.push('', verdict(r, c));
  return lines.join('\n') + '\n';
}

/** What a tenant is: a schema (PostgreSQL), or a database (--databases, and --tenants on MySQL). */
function unit(c: FleetContext): 'schema' | 'database' {
  return c.databases || c.tenantDatabases ? 'database' : 'schema';
}

/** Nothing matched: a mistake (a typo in the pattern, an empty file) unless --allow-empty says so. */
function emptyVerdict(c: FleetContext): VerdictLine {
  const none = c.databases ? `${c.pattern} names no database` : `no ${unit(c)} matches '${c.pattern}'`;
  if (c.shard && !c.allowEmpty)
    return verdictLine(
      'OK',
      `shard ${c.shard.index}/${c.shard.count} holds none of the ${c.databases ? 'databases' : 'tenants'}, and fleet merge judges whether the fleet has any`,
    );
  return c.allowEmpty
    ? verdictLine(
        'OK',
        `${none}, as --allow-empty allows (a fleet with no tenant yet), so nothing was verified`,
      )
    : verdictLine(
        'BLOCKED',
        `${none}, so nothing was verified: check the ${c.databases ? 'file' : 'pattern'}, or where no tenant exists yet (a first deploy), pass --allow-empty`,
      );
}

function verdict(r: FleetResult, c: FleetContext): string {
  return verdictLineText(fleetVerdict(r, c));
}

/** The fleet's verdict: every tenant upgrades cleanly, or which would fail or are blocked. */
function fleetVerdict(r: FleetResult, c: FleetContext): VerdictLine {
  if (r.total === 0) return emptyVerdict(c);
  const failing = r.groups.filter((g) => !g.ok);
  const noun = c.databases ? 'database' : 'tenant';
  if (failing.length === 0)
    return verdictLine(
      'OK',
      `all ${r.total} ${noun}${r.total === 1 ? '' : 's'} upgrade to ${c.target} cleanly, as predicted`,
    );
  const n = failing.reduce((k, g) => k + g.schemas.length, 0);
  return verdictLine(
    'BLOCKED',
    `${n} of ${r.total} ${noun}${r.total === 1 ? '' : 's'} would fail or are blocked: ${names(failing.flatMap((g) => g.schemas))}`,
  );
}

/** The fleet as JSON: every group with its schemas, so that shards' documents merge into the whole. */
export function fleetJson(r: FleetResult, c: FleetContext): unknown {
  return {
    schemaVersion: 2,
    command: c.databases ? 'verify --databases' : 'verify --tenants',
    pattern: c.pattern,
    host: c.host,
    database: c.database,
    target: c.target,
    code: c.code,
    allowEmpty: c.allowEmpty === true,
    shard: c.shard ?? null,
    ok: r.ok,
    total: r.total,
    groups: r.groups.map((g) => ({
      at: g.rows,
      versionTable: g.exists,
      tenants: g.schemas.length,
      schemas: g.schemas,
      willSucceed: g.willSucceed,
      pending: g.pending,
      alembicError: g.alembicError ?? null,
      unreachable: g.unreachable ?? null,
      ok: g.ok,
      outlier: r.outliers.includes(g),
      findings: g.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        title: title(f),
        message: f.message,
        fix: f.fix ?? null,
        hint: f.hint,
        path: f.path ?? null,
        line: f.line ?? null,
        revision: f.revision ?? null,
      })),
    })),
  };
}

/**
 * `--format github` for a fleet: one annotation per group apart from the fleet (per revision, not per
 * tenant), on the file and line of its first finding where it has one; then the verdict.
 */
export function fleetGithub(r: FleetResult, c: FleetContext): string {
  const lines = r.outliers.map((g) => {
    const located = g.findings.find((f) => f.severity !== 'info' && f.path !== undefined);
    const props = [
      located ? `file=${escapeProperty(located.path!)}` : undefined,
      located?.line !== undefined ? `line=${located.line}` : undefined,
      `title=${escapeProperty(`${g.schemas.length} tenant${g.schemas.length === 1 ? '' : 's'} at ${at(g)}`)}`,
    ].filter((p): p is string => p !== undefined);
    const body = [
      `${upgrade(g)}: ${names(g.schemas)}`,
      ...g.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} [${f.code}] ${title(f)}`),
    ].join('\n');
    return `::${g.ok ? 'warning' : 'error'} ${props.join(',')}::${escapeData(body)}`;
  });
  return [...lines, verdict(r, c)].join('\n') + '\n';
}

/** `--format markdown` for a fleet: the verdict, the histogram as a table, then the groups apart from it. */
export function fleetMarkdown(r: FleetResult, c: FleetContext): string {
  const lines = [
    `## alembic-preflight ${c.databases ? 'verify --databases' : 'verify --tenants'}: ${r.ok ? '✅' : '❌'} ${cell(verdict(r, c))}`,
    '',
    '| tenants | at | upgrade | findings |',
    '|---:|---|---|---|',
  ];
  for (const g of r.groups) {
    const codes = [...new Set(g.findings.filter((f) => f.severity !== 'info').map((f) => `\`${f.code}\``))];
    lines.push(
      `| ${g.schemas.length} | ${cell(`\`${at(g)}\``)} | ${cell(upgrade(g))} | ${cell(codes.join(', '))} |`,
    );
  }
  if (r.outliers.length > 0) {
    lines.push('', '<details><summary>Apart from the fleet</summary>', '');
    for (const g of r.outliers)
      lines.push(
        `- ${cell(names(g.schemas))}: ${cell(upgrade(g))}${g.findings
          .filter((f) => f.severity !== 'info')
          .map((f) => ` ${cell(`[${f.code}] ${title(f)}`)}`)
          .join(';')}`,
      );
    lines.push('', '</details>');
  }
  return lines.join('\n') + '\n';
}
