import type { CommandSpec } from './command-spec.js';
import { backfill } from './commands/backfill.js';
import { check } from './commands/check.js';
import { explainCommand } from './commands/explain.js';
import { fleet } from './commands/fleet.js';
import { graph } from './commands/graph.js';
import { hookJob } from './commands/hook-job.js';
import { ledger } from './commands/ledger.js';
import { rehearse } from './commands/rehearse.js';
import { release } from './commands/release.js';
import { restamp } from './commands/restamp.js';
import { scanLogs } from './commands/scan-logs.js';
import { verify } from './commands/verify.js';

/** Every command, in the order of COMMAND_NAMES (a test holds the two in step). */
export const COMMAND_TABLE: readonly CommandSpec[] = [
  check,
  verify,
  backfill,
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
