import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'revision-id-too-long',
  {
    bad: () => makeProject({[V+'guest_lockout_and_password_reset_001_x.py']: rev('guest_lockout_and_password_reset_001', null)}, DEFAULT_INI),
    good: () => makeProject({[V+'guest_lockout_001_x.py']: rev('guest_lockout_001', null)}, DEFAULT_INI),
  },
  (f) => {
    expect(f.message).toContain('36 characters');
  },
);
