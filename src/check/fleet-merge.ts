import { UsageError } from '../errors/errors.js';

/** A group of tenants as `verify --tenants` or `verify --databases` writes it with `--format json`. */
export interface FleetGroupDocument {
  readonly at: readonly string[];
  readonly versionTable: boolean;
  readonly tenants: number;
  readonly schemas: readonly string[];
  readonly willSucceed: boolean;
  readonly pending: number;
  readonly alembicError: string | null;
  /** --databases: why this database could not be read. */
  readonly unreachable: string | null;
  readonly ok: boolean;
  readonly outlier: boolean;
  readonly findings: readonly {
    readonly code: string;
    readonly severity: string;
    readonly title: string;
    readonly message: string;
    /** The one command that fixes it, as the check document's finding has it (absent in a shard written before it was added). */
    readonly fix?: string | null;
    readonly hint: string;
    readonly path: string | null;
    readonly line: number | null;
    readonly revision: string | null;
  }[];
}

/** The document of `verify --tenants` or `verify --databases` with `--format json` (schemaVersion 2). */
export interface FleetDocument {
  readonly schemaVersion: 2;
  readonly command: 'verify --tenants' | 'verify --databases';
  readonly pattern: string;
  readonly host: string | null;
  readonly database: string;
  readonly target: string;
  /** The code the fleet was verified against (check/code-fingerprint.ts). */
  readonly code: string;
  /** --allow-empty: a fleet with no tenant was expected. */
  readonly allowEmpty: boolean;
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly ok: boolean;
  readonly total: number;
  readonly groups: readonly FleetGroupDocument[];
}

function isFleetDocument(d: unknown): d is FleetDocument {
  const o = d as Partial<FleetDocument> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    o.schemaVersion === 2 &&
    (o.command === 'verify --tenants' || o.command === 'verify --databases') &&
    Array.isArray(o.groups) &&
    typeof o.total === 'number' &&
    typeof o.code === 'string' &&
    typeof o.allowEmpty === 'boolean'
  );
}

/**
 * The shards' documents as one: they must read the same fleet (pattern, database, target) and be
 * shards 1 to N of the same N, each once. Groups with the same verdict (rows, prediction, findings)
 * are one group again; the outliers are chosen as for an unsharded run.
 */
export function mergeFleet(docs: readonly { readonly name: string; readonly doc: unknown }[]): FleetDocument {
  if (docs.length === 0)
    throw new UsageError("fleet merge needs the shards' JSON documents.", {
      hint: 'alembic-preflight fleet merge shard-1.json shard-2.json …',
    });
  const fleet = docs.map(({ name, doc }) => {
    if (!isFleetDocument(doc))
      throw new UsageError(
        `${name} is not a document of verify --tenants or --databases with --format json (schemaVersion 2).`,
        {
          hint: "Write each shard with: alembic-preflight verify --tenants 'PATTERN' --shard I/N --format json > shard-I.json",
        },
      );
    return { name, doc };
  });
  const first = fleet[0]!.doc;
  const same = (d: FleetDocument): boolean =>
    d.command === first.command &&
    d.pattern === first.pattern &&
    d.host === first.host &&
    d.database === first.database &&
    d.target === first.target;
  const other = fleet.find(({ doc }) => !same(doc));
  if (other)
    throw new UsageError(
      `${other.name} read another fleet (${other.doc.pattern} on ${other.doc.database}, upgrade ${other.doc.target}) than ${fleet[0]!.name} (${first.pattern} on ${first.database}, upgrade ${first.target}).`,
      { hint: 'Merge the shards of one run.' },
    );
  const otherCode = fleet.find(({ doc }) => doc.code !== first.code);
  if (otherCode)
    throw new UsageError(
      `${otherCode.name} was verified against other code (${otherCode.doc.code}) than ${fleet[0]!.name} (${first.code}): a job ran before or after a deploy, and one verdict of both would be true of neither.`,
      { hint: 'Run every shard again from the same commit, then merge their documents.' },
    );
  const count = first.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { name, doc } of fleet) {
    const index = doc.shard?.index ?? 1;
    if ((doc.shard?.count ?? 1) !== count)
      throw new UsageError(
        `${name} is a shard of ${doc.shard?.count ?? 1}, and ${fleet[0]!.name} of ${count}.`,
        { hint: 'Merge the shards of one run.' },
      );
    if (seen.has(index))
      throw new UsageError(`${name} and ${seen.get(index)!} are both shard ${index}/${count}.`, {
        hint: 'Give each shard once.',
      });
    seen.set(index, name);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new UsageError(
      `Shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: the merged report would leave tenants out.`,
      { hint: "Give every shard's document." },
    );
  // a tenant in two shards would be counted twice (13 tenants for 12): the shards are not of one run
  const whose = new Map<string, string>();
  for (const { name, doc } of fleet)
    for (const g of doc.groups)
      for (const schema of g.schemas) {
        const before = whose.get(schema);
        if (before !== undefined && before !== name)
          throw new UsageError(`${schema} is in both ${before} and ${name}: the shards overlap.`, {
            hint: 'Merge the shards of one run (--shard 1/N to N/N of the same N), each once.',
          });
        whose.set(schema, name);
      }
  const groups = new Map<string, { group: FleetGroupDocument; schemas: string[] }>();
  for (const { doc } of fleet) {
    for (const g of doc.groups) {
      const key = JSON.stringify([
        g.at,
        g.versionTable,
        g.willSucceed,
        g.pending,
        g.alembicError,
        g.unreachable,
        g.ok,
        g.findings.map((f) => [f.code, f.severity, f.message, f.path, f.line]),
      ]);
      const have = groups.get(key);
      if (have) have.schemas.push(...g.schemas);
      else groups.set(key, { group: g, schemas: [...g.schemas] });
    }
  }
  const merged = [...groups.values()].map(({ group, schemas }) => ({
    ...group,
    schemas: schemas.sort(),
    tenants: schemas.length,
  }));
  merged.sort((a, b) => b.tenants - a.tenants || a.at.join(' ').localeCompare(b.at.join(' ')));
  const main = merged.find((g) => g.ok && g.findings.every((f) => f.severity === 'info'));
  return {
    schemaVersion: 2,
    command: first.command,
    pattern: first.pattern,
    host: first.host,
    database: first.database,
    target: first.target,
    code: first.code,
    allowEmpty: fleet.every(({ doc }) => doc.allowEmpty),
    shard: null,
    // no tenant in any shard: nothing was verified, unless every shard was told that is expected
    ok: merged.length > 0 ? merged.every((g) => g.ok) : fleet.every(({ doc }) => doc.allowEmpty),
    total: fleet.reduce((n, { doc }) => n + doc.total, 0),
    groups: merged.map((g) => ({ ...g, outlier: g !== main })),
  };
}
