import path from 'node:path';
import type { CheckResult } from '../check/run-check.js';
import { toJson } from '../alembic/python-value.js';

export const SCHEMA_VERSION = 1;

/** The `check` JSON document (schemaVersion 1, documented in the README). */
export function checkJson(result: CheckResult): Record<string, unknown> {
  const { model } = result;
  const rel = (p: string): string => path.relative(model.config.cwd, p) || '.';
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'check',
    ok: result.ok,
    alembicVersion: model.alembicVersion.label,
    complete: model.complete,
    alembicError: result.alembicError ?? null,
    config: {
      configFile: model.config.iniPath ? rel(model.config.iniPath) : null,
      pyproject: model.config.tomlPath ? rel(model.config.tomlPath) : null,
      section: model.config.section,
      scriptLocation: model.config.scriptLocation,
      versionLocations: model.config.versionLocations.map((l) => rel(l.absPath)),
      recursive: model.config.recursive,
      sourceless: model.config.sourceless,
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
  };
}
