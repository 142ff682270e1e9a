import type { CommandSpec } from '../commands/command-spec.js';
import { backfill } from '../commands/backfill/backfill.js';
import { check } from '../commands/check/check.js';
import { fix } from '../commands/fix/fix.js';
import { explainCommand } from '../commands/explain/explain.js';
import { fleet } from '../commands/fleet/fleet.js';
import { graph } from '../commands/graph/graph.js';
import { hookJob } from '../commands/hook-job/hook-job.js';
import { ledger } from '../commands/ledger/ledger.js';
import { rehearse } from '../commands/rehearse/rehearse.js';
import { release } from '../commands/release/release.js';
import { restamp } from '../commands/restamp/restamp.js';
import { scanLogs } from '../commands/scan-logs/scan-logs.js';
import { verify } from '../commands/verify/verify.js';

/** Every command, in the order of COMMAND_NAMES (a test holds the two in step). */
export const COMMAND_TABLE: readonly CommandSpec[] = [
  check,
  verify,
  backfill,
  fix,
  scanLogs,
  restamp,
  release,
  ledger,
  graph,
  rehearse,
  fleet,
  hookJob,
  explainCommand,
];
