import type { FindingCode } from './finding.js';
import type { Rule } from './rule.js';
import { ddlInTryExcept } from './rules/ddl-in-try-except.js';
import { enumAddValueUnguarded } from './rules/enum-add-value-unguarded.js';
import { executeWithParamsArgument } from './rules/execute-with-params-argument.js';
import { enumNotDroppedInDowngrade } from './rules/enum-not-dropped-in-downgrade.js';
import { uuidNotPortable } from './rules/uuid-not-portable.js';
import { foreignKeyTypeMismatch } from './rules/foreign-key-type-mismatch.js';
import { emptyDowngrade } from './rules/empty-downgrade.js';
import { renamedTableStillReferenced } from './rules/renamed-table-still-referenced.js';
import { postgresUrlScheme } from './rules/postgres-url-scheme.js';
import { placeholderDatabaseUrl } from './rules/placeholder-database-url.js';
import { sharedVersionTable } from './rules/shared-version-table.js';
import { autogenerateMarkerLeft } from './rules/autogenerate-marker-left.js';
import { deployScriptHazard } from './rules/deploy-script-hazard.js';
import { databaseAtHead } from './rules/database-at-head.js';
import { pendingMigrations } from './rules/pending-migrations.js';
import { stampIsSymbolic } from './rules/stamp-is-symbolic.js';
import { stampResolvesByPrefix } from './rules/stamp-resolves-by-prefix.js';
import { stampedRevisionMissing } from './rules/stamped-revision-missing.js';
import { databaseAhead } from './rules/database-ahead.js';
import { rollbackLosesSchema } from './rules/rollback-loses-schema.js';
import { databaseDiverged } from './rules/database-diverged.js';
import { databaseUnrelated } from './rules/database-unrelated.js';
import { databaseOwnedElsewhere } from './rules/database-owned-elsewhere.js';
import { appliedMigrationEdited } from './rules/applied-migration-edited.js';
import { ledgerUnreadable } from './rules/ledger-unreadable.js';
import { suppressionWithoutReason } from './rules/suppression-without-reason.js';
import { suppressionRefused } from './rules/suppression-refused.js';
import { schemaAheadOfStamp } from './rules/schema-ahead-of-stamp.js';
import { migrationPartlyApplied } from './rules/migration-partly-applied.js';
import { metadataLockWait } from './rules/metadata-lock-wait.js';
import { lockSessionsHidden } from './rules/lock-sessions-hidden.js';
import { schemaBehindStamp } from './rules/schema-behind-stamp.js';
import { schemaObjectMissing } from './rules/schema-object-missing.js';
import { extensionUnavailable } from './rules/extension-unavailable.js';
import { enumValueUsedBeforeCommit } from './rules/enum-value-used-before-commit.js';
import { migrationWaitsForInput } from './rules/migration-waits-for-input.js';
import { sqliteNeedsBatch } from './rules/sqlite-needs-batch.js';
import { sqliteRefusesPostgresSql } from './rules/sqlite-refuses-postgres-sql.js';
import { schemaProbesUnavailable } from './rules/schema-probes-unavailable.js';
import { stampsOverlap } from './rules/stamps-overlap.js';
import { versionTableMissing } from './rules/version-table-missing.js';
import { upgradeWillFail } from './rules/upgrade-will-fail.js';
import { releaseCommandInvalid } from './rules/release-command-invalid.js';
import { releaseGeneratesMigration } from './rules/release-generates-migration.js';
import { reviewAppSharesDatabase } from './rules/review-app-shares-database.js';
import { platformTargetsDiffer } from './rules/platform-targets-differ.js';
import { bytecodeOnlyRevision } from './rules/bytecode-only-revision.js';
import { dependencyCycle } from './rules/dependency-cycle.js';
import { docstringMismatch } from './rules/docstring-mismatch.js';
import { downRevisionIsLabel } from './rules/down-revision-is-label.js';
import { duplicateBranchLabel } from './rules/duplicate-branch-label.js';
import { duplicateRevision } from './rules/duplicate-revision.js';
import { emptyDownRevision } from './rules/empty-down-revision.js';
import { fileLoadedTwice } from './rules/file-loaded-twice.js';
import { filenameConvention } from './rules/filename-convention.js';
import { hiddenRevisionFile } from './rules/hidden-revision-file.js';
import { illegalRevisionCharacters } from './rules/illegal-revision-characters.js';
import { invalidRevisionValue } from './rules/invalid-revision-value.js';
import { missingDependency } from './rules/missing-dependency.js';
import { missingDownRevision } from './rules/missing-down-revision.js';
import { multipleHeads } from './rules/multiple-heads.js';
import { noDownRevisionVariable } from './rules/no-down-revision-variable.js';
import { noRevisionFiles } from './rules/no-revision-files.js';
import { noRevisionVariable } from './rules/no-revision-variable.js';
import { notStaticallyKnown } from './rules/not-statically-known.js';
import { redundantMergeParent } from './rules/redundant-merge-parent.js';
import { revisionCycle } from './rules/revision-cycle.js';
import { revisionIdTooLong } from './rules/revision-id-too-long.js';
import { scriptLocationNeedsInstall } from './rules/script-location-needs-install.js';
import { scriptLocationUnresolved } from './rules/script-location-unresolved.js';
import { selfLoop } from './rules/self-loop.js';
import { unparseableFile } from './rules/unparseable-file.js';
import { unreadableFile } from './rules/unreadable-file.js';
import { unresolvedImport } from './rules/unresolved-import.js';
import { moduleLevelOpCall } from './rules/module-level-op-call.js';
import { needsNewerPython } from './rules/needs-newer-python.js';
import { versionLocationIsCwd } from './rules/version-location-is-cwd.js';
import { versionLocationMissing } from './rules/version-location-missing.js';
import { versionsFolderMissing } from './rules/versions-folder-missing.js';
import { urlPercentNotEscaped } from './rules/url-percent-not-escaped.js';
import { urlVariableDiffers } from './rules/url-variable-differs.js';
import { iniUrlDiffers } from './rules/ini-url-differs.js';
import { postgresSchemeRefused } from './rules/postgres-scheme-refused.js';
import { iniValueMisread } from './rules/ini-value-misread.js';
import { loggingConfigBroken } from './rules/logging-config-broken.js';
import { iniUrlMissing } from './rules/ini-url-missing.js';
import { otherDatabasesNotVerified } from './rules/other-databases-not-verified.js';
import { schemaAlreadyPresent } from './rules/schema-already-present.js';
import { lockOnLargeTable } from './rules/lock-on-large-table.js';
import { lockTimeoutMissing } from './rules/lock-timeout-missing.js';
import { lockQueueBlocker } from './rules/lock-queue-blocker.js';
import { breaksServingRelease } from './rules/breaks-serving-release.js';
import { lockNotGraded } from './rules/lock-not-graded.js';
import { dataFailsStep } from './rules/data-fails-step.js';
import { concurrentlyInTransaction } from './rules/concurrently-in-transaction.js';
import { dataNotChecked } from './rules/data-not-checked.js';
import { dataSilentlyChanged } from './rules/data-silently-changed.js';
import { databaseDriverMissing } from './rules/database-driver-missing.js';
import { databaseNotWritable } from './rules/database-not-writable.js';
import { versionTableWriteUnverified } from './rules/version-table-write-unverified.js';
import { noUpgradeFunction } from './rules/no-upgrade-function.js';
import { nameNotDefined } from './rules/name-not-defined.js';

/** Every rule, in the order findings are listed (within a severity). */
export const RULES: readonly Rule[] = [
  bytecodeOnlyRevision,
  dependencyCycle,
  docstringMismatch,
  downRevisionIsLabel,
  duplicateBranchLabel,
  duplicateRevision,
  emptyDownRevision,
  fileLoadedTwice,
  filenameConvention,
  hiddenRevisionFile,
  illegalRevisionCharacters,
  invalidRevisionValue,
  missingDependency,
  missingDownRevision,
  multipleHeads,
  noDownRevisionVariable,
  noRevisionFiles,
  noRevisionVariable,
  notStaticallyKnown,
  redundantMergeParent,
  revisionCycle,
  revisionIdTooLong,
  scriptLocationUnresolved,
  scriptLocationNeedsInstall,
  selfLoop,
  unparseableFile,
  unreadableFile,
  unresolvedImport,
  moduleLevelOpCall,
  noUpgradeFunction,
  nameNotDefined,
  needsNewerPython,
  urlPercentNotEscaped,
  versionLocationIsCwd,
  versionLocationMissing,
  versionsFolderMissing,
  iniValueMisread,
  loggingConfigBroken,
  iniUrlMissing,
  // verify only: the live database against the graph
  urlVariableDiffers,
  iniUrlDiffers,
  otherDatabasesNotVerified,
  postgresSchemeRefused,
  databaseAhead,
  rollbackLosesSchema,
  databaseDiverged,
  databaseUnrelated,
  databaseOwnedElsewhere,
  platformTargetsDiffer,
  stampedRevisionMissing,
  appliedMigrationEdited,
  ledgerUnreadable,
  stampsOverlap,
  stampResolvesByPrefix,
  stampIsSymbolic,
  versionTableMissing,
  schemaAlreadyPresent,
  lockOnLargeTable,
  lockTimeoutMissing,
  lockQueueBlocker,
  metadataLockWait,
  lockSessionsHidden,
  breaksServingRelease,
  lockNotGraded,
  dataFailsStep,
  dataSilentlyChanged,
  databaseDriverMissing,
  dataNotChecked,
  migrationPartlyApplied,
  schemaAheadOfStamp,
  schemaBehindStamp,
  schemaObjectMissing,
  extensionUnavailable,
  enumValueUsedBeforeCommit,
  migrationWaitsForInput,
  sqliteNeedsBatch,
  sqliteRefusesPostgresSql,
  concurrentlyInTransaction,
  schemaProbesUnavailable,
  databaseNotWritable,
  versionTableWriteUnverified,
  pendingMigrations,
  databaseAtHead,
  releaseCommandInvalid,
  releaseGeneratesMigration,
  reviewAppSharesDatabase,
  // last of the graph rules: it reports a failing prediction only when no rule above explains it
  upgradeWillFail,
  // migration lints (review-time; configurable; skipped by --no-lint)
  ddlInTryExcept,
  enumAddValueUnguarded,
  executeWithParamsArgument,
  enumNotDroppedInDowngrade,
  uuidNotPortable,
  foreignKeyTypeMismatch,
  emptyDowngrade,
  renamedTableStillReferenced,
  suppressionWithoutReason,
  suppressionRefused,
  postgresUrlScheme,
  placeholderDatabaseUrl,
  sharedVersionTable,
  autogenerateMarkerLeft,
  deployScriptHazard,
];

const COSMETIC = new Set(RULES.filter((r) => r.cosmetic).map((r) => r.code));

/** Whether a finding is only about how the code reads (a docstring, a file name): see Rule.cosmetic. */
export function isCosmetic(code: FindingCode): boolean {
  return COSMETIC.has(code);
}
