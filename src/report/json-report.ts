import type { DataCheck, DataProbe } from '../database/data-probe.js';
import path from 'node:path';
import type { CheckResult, SuppressedFinding } from '../check/run-check.js';
import type { VerifyResult } from '../check/run-verify.js';
import { toJson } from '../python/python-value.js';
import { findingDocPath } from './review-formats.js';
import type { Evidence, FindingCode, Severity } from '../check/finding.js';
import type { StampResolution } from '../alembic/graph/resolver.js';
import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../database/version-table.js';
import type { SchemaMatch } from '../check/schema/schema-probe.js';
import { checkVerdict, verifyVerdict } from './text-report.js';
import { verdictJson, type VerdictJson } from './verdict-line.js';

/** 2: prediction.willSucceed is Alembic's whole predicted outcome, the failures findings predict included (a pending step on a missing table); ok is the gate. */
export const SCHEMA_VERSION = 2;

type Nullable<T> = T | null;

/** The `check` document; docs/json-schema.json is its contract, and a test holds real outputs to it. */
export interface CheckDocument {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly command: 'check' | 'verify';
  readonly ok: boolean;
  /** The verdict line's parts: its word, sentence and qualifiers (additive). */
  readonly verdict: VerdictJson;
  readonly alembicVersion: string;
  readonly alembicVersionFrom: Nullable<string>;
  readonly complete: boolean;
  readonly alembicError: Nullable<string>;
  readonly alembicErrorAlternatives: readonly string[];
  readonly target: string;
  readonly targetFrom: Nullable<string>;
  readonly targetVia: Nullable<string>;
  readonly config: {
    readonly configFile: Nullable<string>;
    readonly configFileFrom: Nullable<string>;
    readonly pyproject: Nullable<string>;
    readonly section: string;
    readonly scriptLocation: string;
    readonly flaskMigrate: boolean;
    readonly versionLocations: readonly string[];
    /** env.py's line that sets them at run time (read in place of the ini's), or null. */
    readonly versionLocationsFrom: { readonly path: string; readonly line: number } | null;
    readonly recursive: boolean;
    readonly sourceless: boolean;
    readonly python: Nullable<{ readonly version: string; readonly source: string }>;
  };
  readonly graph: {
    readonly revisions: readonly {
      readonly revision: string;
      readonly downRevisions: readonly string[];
      readonly branchLabels: readonly string[];
      readonly dependsOn: readonly string[];
      readonly path: string;
      readonly line: Nullable<number>;
    }[];
    readonly heads: readonly string[];
    readonly realHeads: readonly string[];
    readonly bases: readonly string[];
    readonly realBases: readonly string[];
    readonly branchPoints: readonly string[];
    readonly mergePoints: readonly string[];
  };
  readonly findings: readonly {
    readonly code: FindingCode;
    readonly severity: Severity;
    /** What is wrong in one short line (the text report's first line), when the rule gives one. */
    readonly title: Nullable<string>;
    readonly message: string;
    /** The one command that fixes it, filled in from the evidence; `hint` then holds the alternatives. */
    readonly fix: Nullable<string>;
    readonly hint: string;
    /** What git, the schema, the ledger or the release showed, a sentence each (also in `message`). */
    readonly evidence: readonly { readonly label: Evidence['label']; readonly text: string }[];
    readonly path: Nullable<string>;
    readonly line: Nullable<number>;
    readonly revision: Nullable<string>;
    readonly alembicError: Nullable<string>;
    /** The finding's page, from the package's root. */
    readonly page: string;
  }[];
  readonly ignoredFindings: number;
  readonly suppressedFindings: readonly SuppressedFinding[];
  readonly lintScope: Nullable<{
    readonly since: readonly string[];
    readonly changedSince: Nullable<string>;
    readonly filesNotLinted: number;
  }>;
}

/** `verify`: the check document plus the database read and the predicted upgrade. */
export interface VerifyDocument extends CheckDocument {
  readonly command: 'verify';
  readonly database: {
    readonly dialect: VersionTableState['dialect'];
    readonly host: VersionTableState['host'];
    readonly database: string;
    readonly urlFrom: string;
    readonly versionTable: string;
    readonly versionTableSchema: Nullable<string>;
    readonly versionTableExists: boolean;
    readonly settings: readonly string[];
    readonly stamps: readonly {
      readonly value: Nullable<string>;
      readonly resolvesTo: readonly string[];
      readonly how: StampResolution['how'];
    }[];
    readonly state: DatabaseState;
    readonly server: VersionTableState['server'];
    readonly tls: VersionTableState['tls'];
    readonly schemaProbes: Nullable<{
      readonly checked: number;
      readonly unknown: number;
      readonly differ: number;
      readonly unavailable: Nullable<string>;
      readonly matches: readonly SchemaMatch[];
    }>;
    /** The data probes, one per pending step that depends on the rows (database/data-probe.ts). */
    readonly dataChecks: readonly {
      readonly revision: string;
      readonly path: string;
      readonly line: number;
      readonly step: string;
      readonly kind: DataProbe['kind'];
      readonly table: string;
      readonly columns: readonly string[];
      readonly result: DataCheck['result'];
      readonly rows: Nullable<number>;
      readonly keys: readonly string[];
      /** --show-values (verify): up to three offending values; empty unless asked. */
      readonly values: readonly string[];
      readonly why: Nullable<string>;
    }[];
  };
  readonly prediction: {
    readonly target: string;
    readonly willSucceed: boolean;
    readonly pending: readonly string[];
    readonly steps: UpgradePrediction['steps'];
    readonly finalHeads: UpgradePrediction['finalHeads'];
    readonly alembicError: Nullable<string>;
    readonly failureStage: Nullable<string>;
    readonly cliOutput: Nullable<string>;
    readonly unpredictable: Nullable<string>;
  };
}

export type DatabaseState =
  'uninitialised' | 'empty' | 'at-target' | 'behind' | 'unresolvable' | 'overlapping' | 'blocked';

/** The `check` JSON document (schemaVersion 1, docs/json.md; docs/json-schema.json is its contract). */
export function checkJson(result: CheckResult): CheckDocument {
  const { model } = result;
  const rel = (p: string): string => path.relative(model.config.cwd, p) || '.';
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'check',
    ok: result.ok,
    verdict: verdictJson(checkVerdict(result)),
    alembicVersion: model.alembicVersion.label,
    alembicVersionFrom: model.alembicVersion.source ?? null,
    complete: model.complete,
    alembicError: result.alembicError ?? null,
    alembicErrorAlternatives: result.alembicErrorAlternatives,
    target: result.target,
    targetFrom: result.targetFrom ?? null,
    targetVia: result.targetVia ?? null,
    config: {
      configFile: model.config.iniPath ? rel(model.config.iniPath) : null,
      configFileFrom: model.config.configFileFrom ?? null,
      pyproject: model.config.tomlPath ? rel(model.config.tomlPath) : null,
      section: model.config.section,
      scriptLocation: model.config.scriptLocation,
      flaskMigrate: model.config.flaskMigrate === true,
      versionLocations: model.config.versionLocations.map((l) => rel(l.absPath)),
      versionLocationsFrom: model.config.versionLocationsFrom ?? null,
      recursive: model.config.recursive,
      sourceless: model.config.sourceless,
      python: model.config.python
        ? { version: model.config.python.text, source: model.config.python.source }
        : null,
    },
    graph: {
      revisions: model.map.revisions.map((r) => ({
        revision: r.id,
        downRevisions: r.script.versionedDownValues.map(toJson),
        branchLabels: r.script.branchLabels.map(toJson),
        dependsOn: r.script.dependsOn.map(toJson),
        path: r.file.path,
        line: r.script.line ?? null,
      })),
      heads: model.map.heads,
      realHeads: model.map.realHeads,
      bases: model.map.bases,
      realBases: model.map.realBases,
      branchPoints: model.map.revisions.filter((r) => r.isBranchPoint).map((r) => r.id),
      mergePoints: model.map.revisions.filter((r) => r.isMergePoint).map((r) => r.id),
    },
    findings: result.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      title: f.title ?? null,
      message: f.message,
      fix: f.fix ?? null,
      hint: f.hint,
      evidence: (f.evidence ?? []).map((e) => ({ ...e })),
      path: f.path ?? null,
      line: f.line ?? null,
      revision: f.revision ?? null,
      alembicError: f.alembicError ?? null,
      page: findingDocPath(f.code),
    })),
    ignoredFindings: result.ignored,
    suppressedFindings: result.suppressed.map((x) => ({ ...x })),
    lintScope: result.lintScope
      ? {
          since: result.lintScope.since,
          changedSince: result.lintScope.changedSince ?? null,
          filesNotLinted: result.lintScope.files,
        }
      : null,
  };
}

/** `verify`: the check document plus `database` and `prediction` (schemaVersion 1). */
export function verifyJson(
  result: VerifyResult,
  notes: readonly string[],
  urlSource: string,
): VerifyDocument {
  const { state, stamps, prediction: p } = result.database;
  return {
    ...checkJson(result),
    command: 'verify',
    verdict: verdictJson(verifyVerdict(result)),
    database: {
      dialect: state.dialect,
      host: state.host,
      database: state.database,
      urlFrom: urlSource,
      versionTable: state.versionTable,
      versionTableSchema: state.versionTableSchema,
      versionTableExists: state.exists,
      settings: notes,
      stamps: stamps.map((s) => ({
        value: typeof s.value === 'string' || s.value === null ? s.value : s.value.repr,
        resolvesTo: s.revisions,
        how: s.how,
      })),
      state: databaseState(result),
      server: state.server,
      tls: state.tls,
      schemaProbes: result.database.schema
        ? {
            checked: result.database.schema.checked,
            unknown: result.database.schema.unknown,
            differ: result.database.schema.behind.length,
            unavailable: result.database.schema.unavailable ?? null,
            matches: result.database.schema.matches ?? [],
          }
        : null,
      dataChecks: (result.database.data?.checks ?? []).map((c) => ({
        revision: c.probe.revision,
        path: c.probe.path,
        line: c.probe.line,
        step: c.probe.call,
        kind: c.probe.kind,
        table: c.probe.table,
        columns: c.probe.columns,
        result: c.result,
        rows: c.rows ?? null,
        keys: c.keys ?? [],
        values: c.values ?? [],
        why: c.why ?? null,
      })),
    },
    prediction: {
      target: p.target,
      willSucceed: p.willSucceed,
      pending: p.steps.map((s) => s.revision),
      steps: p.steps,
      finalHeads: p.finalHeads,
      alembicError: p.failure ? p.failure.message : null,
      failureStage: p.failure?.stage ?? null,
      cliOutput: p.cliOutput,
      unpredictable: p.unpredictable ?? null,
    },
  };
}

/** One word for where the database stands relative to the target. */
export function databaseState(result: VerifyResult): DatabaseState {
  const { state, stamps, prediction: p } = result.database;
  if (!state.exists) return 'uninitialised';
  if (stamps.some((s) => s.how === 'failed')) return 'unresolvable';
  if (p.failure?.stage === 'overlap') return 'overlapping';
  if (state.rows.length === 0) return 'empty';
  if (!p.willSucceed) return 'blocked';
  return p.steps.length === 0 ? 'at-target' : 'behind';
}
