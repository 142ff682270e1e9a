import path from 'node:path';
import type { CheckResult } from '../check/run-check.js';
import type { VerifyResult } from '../check/run-verify.js';
import { toJson } from '../python/python-value.js';

export const SCHEMA_VERSION = 1;

/** The `check` JSON document (schemaVersion 1, docs/json.md; docs/json-schema.json is its contract). */
export function checkJson(result: CheckResult): Record<string, unknown> {
  const { model } = result;
  const rel = (p: string): string => path.relative(model.config.cwd, p) || '.';
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'check',
    ok: result.ok,
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
      recursive: model.config.recursive,
      sourceless: model.config.sourceless,
      python: model.config.python ? { version: model.config.python.text, source: model.config.python.source } : null,
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
      message: f.message,
      hint: f.hint,
      path: f.path ?? null,
      line: f.line ?? null,
      revision: f.revision ?? null,
      alembicError: f.alembicError ?? null,
    })),
    ignoredFindings: result.ignored,
    lintScope: result.lintScope
      ? { since: result.lintScope.since, changedSince: result.lintScope.changedSince ?? null, filesNotLinted: result.lintScope.files }
      : null,
  };
}

/** `verify`: the check document plus `database` and `prediction` (schemaVersion 1). */
export function verifyJson(result: VerifyResult, notes: readonly string[], urlSource: string): Record<string, unknown> {
  const { state, stamps, prediction: p } = result.database;
  return {
    ...checkJson(result),
    command: 'verify',
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
export function databaseState(result: VerifyResult): string {
  const { state, stamps, prediction: p } = result.database;
  if (!state.exists) return 'uninitialised';
  if (stamps.some((s) => s.how === 'failed')) return 'unresolvable';
  if (p.failure?.stage === 'overlap') return 'overlapping';
  if (state.rows.length === 0) return 'empty';
  if (!p.willSucceed) return 'blocked';
  return p.steps.length === 0 ? 'at-target' : 'behind';
}
