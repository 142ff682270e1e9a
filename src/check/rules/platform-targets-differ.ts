import { upgradeAs, upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * Off any platform, the platforms' files name different upgrade targets (a Procfile's `head`, a
 * fly.toml's `heads`): the verdict grades the default, and each other target is predicted here too,
 * an error where it fails. On the platform, only its own file is read.
 */
export const platformTargetsDiffer: Rule = {
  code: 'platform-targets-differ',
  severity: 'error',
  title: "platforms' files run different upgrade targets",
  summary:
    "The platforms' pre-deploy files name different upgrade targets and nothing says which platform runs: each is predicted, and one that fails blocks.",
  check({ database: db }) {
    if (!db?.otherTargets) return [];
    return db.otherTargets.map((o): Finding => {
      const command = upgradeAs(db.words, o.target);
      const p = o.prediction;
      const outcome = p.willSucceed
        ? `applies ${p.steps.length} migration${p.steps.length === 1 ? '' : 's'} there`
        : `fails: ${p.cliOutput ?? p.failure?.message ?? 'the upgrade cannot be predicted'}`;
      const [file, line] = o.where.split(':');
      return {
        code: 'platform-targets-differ',
        severity: p.willSucceed ? 'info' : 'error',
        title: `${o.where} runs \`${command}\`, which ${p.willSucceed ? 'was predicted too' : 'will fail'}`,
        message: `The platforms' files name different targets, and no platform's variables are set here (DYNO, FLY_APP_NAME, RENDER, RAILWAY_*), so this verdict grades \`${upgradeCommand(db)}\`; ${o.where} runs \`${command}\`, which on this database ${outcome}. On a platform only its own file is read.`,
        hint: `Make the files run the same target, or verify with the one the platform runs: alembic-preflight verify --target ${o.target}.`,
        path: file!,
        line: Number(line),
        ...(!p.willSucceed && p.cliOutput ? { alembicError: p.cliOutput } : {}),
      };
    });
  },
};
