export { loadProject, modelFromConfig, type ProjectModel } from './alembic/loading/project-model.js';
export { readRevisionSource, type ReadResult } from './alembic/reading/revision-reader.js';
export { buildRevisionMap, type RevisionMap } from './alembic/graph/revision-map.js';
export {
  LATEST_ALEMBIC,
  parseAlembicVersion,
  type AlembicVersion,
} from './alembic/config/alembic-version.js';
export { runCheck, type CheckResult } from './check/run-check.js';
export { RULES } from './check/rules.js';
export type { Finding, Severity } from './check/finding.js';
export type { Rule } from './check/rule.js';
export { EXIT, PreflightError, ConfigError, UsageError, DatabaseError } from './errors/errors.js';
export { diskFiles, type ProjectFiles } from './project/project-files.js';
