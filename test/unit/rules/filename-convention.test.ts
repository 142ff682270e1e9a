import { describe, expect, it } from 'vitest';
import { nameSuggester, templateMatcher } from '../../../src/check/rules/filename-convention.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'filename-convention',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'c3_add_users.py']: rev('b2', 'a1') },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_add_users.py']: rev('b2', 'a1') },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.hint).toContain('b2_<slug>.py');
  },
);

describe('filename-convention: names that carry the id another way', () => {
  it('accepts the id as a whole token of the name (a numbered prefix, as CKAN does), and only so', async () => {
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + '017_b2_add_users.py']: rev('b2', 'a1'),
          [V + '018-c3.py']: rev('c3', 'b2'),
          [V + '019_xd4_y.py']: rev('d4', 'c3'),
          [V + '020_e55_y.py']: rev('e5', 'd4'),
        },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    expect(
      r.findings
        .filter((f) => f.code === 'filename-convention')
        .map((f) => f.revision)
        .sort(),
    ).toEqual(['d4', 'e5']);
  });
});

describe('file_template matching', () => {
  it('matches the default, dated and literal templates like a regex would', () => {
    const plain = templateMatcher('%(rev)s_%(slug)s');
    expect(plain('a1_add_users', 'a1')).toBe(true);
    expect(plain('a1_', 'a1')).toBe(true);
    expect(plain('a1_add-users', 'a1')).toBe(false);
    expect(plain('a12_x', 'a1')).toBe(false);
    expect(plain('a1_x_y', 'a1_x')).toBe(true);
    expect(plain('a1_ajout_données', 'a1')).toBe(true);
    const dated = templateMatcher('%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s');
    expect(dated('2019_01_13_2156-bc8923b8c1e9_create_account', 'bc8923b8c1e9')).toBe(true);
    expect(dated('2019_01_13_-bc8923b8c1e9_create_account', 'bc8923b8c1e9')).toBe(false);
    expect(dated('bc8923b8c1e9_create_account', 'bc8923b8c1e9')).toBe(false);
    // an id with regex metacharacters is literal text
    const bare = templateMatcher('%(rev)s');
    expect(bare('a.c', 'a.c')).toBe(true);
    expect(bare('abc', 'a.c')).toBe(false);
  });
});

describe('filename-convention: the name the hint suggests', () => {
  it('keeps the date and the slug the current name has, and leaves <slug> where the rest may be a stale id', () => {
    // ALittleMoron/my-site-backend: a dated template, and a file named without its id
    const dated = nameSuggester(
      '%(year)d%(month).2d%(day).2d%(hour).2d%(minute).2d%(second).2d_%(rev)s_%(slug)s',
    );
    expect(dated('20230530202341_watchlist_init_tables', '395a400af31a')).toBe(
      '20230530202341_395a400af31a_watchlist_init_tables',
    );
    expect(dated('watchlist_init_tables', '395a400af31a')).toBe('NNNNNN_395a400af31a_<slug>');
    const plain = nameSuggester('%(rev)s_%(slug)s');
    expect(plain('add_option_master_tables', 'f1a2b3c4d5e6')).toBe('f1a2b3c4d5e6_add_option_master_tables');
    // another id or a sequence number first: not carried over as a slug
    expect(plain('c3_add_users', 'b2')).toBe('b2_<slug>');
    expect(plain('0001_initial', 'b2')).toBe('b2_<slug>');
    expect(plain('add-users', 'b2')).toBe('b2_<slug>');
    expect(nameSuggester('%(rev)s')('x', 'b2')).toBe('b2');
    // every suggestion it makes from a name matches the template
    const matches = templateMatcher(
      '%(year)d%(month).2d%(day).2d%(hour).2d%(minute).2d%(second).2d_%(rev)s_%(slug)s',
    );
    expect(matches(dated('20230530202341_watchlist_init_tables', '395a400af31a'), '395a400af31a')).toBe(true);
    expect(
      templateMatcher('%(rev)s_%(slug)s')(plain('add_option_master_tables', 'f1a2b3c4d5e6'), 'f1a2b3c4d5e6'),
    ).toBe(true);
  });
});
