import { featuresOf } from '../../alembic/config/alembic-version.js';
import type { Rule } from '../rule.js';
import { alembicOutput, graphProblems, revLocation } from '../rule-helpers.js';

/** down_revision = '' means base before Alembic 1.12.1 and a KeyError after. */
export const emptyDownRevision: Rule = {
  code: 'empty-down-revision',
  severity: 'error',
  title: 'down_revision is an empty string',
  summary: "down_revision = '' (a base before Alembic 1.12.1, a crash since).",
  check({ model }) {
    const keyed = graphProblems(model, 'empty-down-revision').map((p) => ({
      code: 'empty-down-revision' as const,
      severity: 'error' as const,
      message: `${p.rev!.file.path}: down_revision is the empty string. Since Alembic 1.12.1 that is an id to look up, not "no parent": Alembic warns and crashes with ${p.failure!.message}.`,
      hint: 'Write down_revision = None for a first revision.',
      ...revLocation(p.rev),
      line: p.rev!.script.downLine,
      alembicError: alembicOutput(p.failure),
    }));
    if (featuresOf(model.alembicVersion).emptyStringDownRevisionIsKey) return keyed;
    // older Alembic treats '' as None; still flag it, since upgrading Alembic breaks it
    return model.map.revisions
      .filter((r) => r.script.downRevision.t === 'str' && r.script.downRevision.v === '')
      .map((r) => ({
        code: 'empty-down-revision' as const,
        severity: 'error' as const,
        message: `${r.file.path}: down_revision is the empty string. Alembic ${model.alembicVersion.label} reads it as a base, but from 1.12.1 on it is a KeyError on every command.`,
        hint: 'Write down_revision = None.',
        path: r.file.path,
        line: r.script.downLine,
        revision: r.id,
      }));
  },
};
