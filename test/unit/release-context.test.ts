import { describe, expect, it } from 'vitest';
import { formatLine, useColour } from '../../src/logger/logger.js';
import { detectContext } from '../../src/release/context.js';

describe('release context', () => {
  it.each([
    [{ DYNO: 'release.7' }, 'heroku-release'],
    [{ DYNO: 'web.1' }, 'local'],
    [{ HEROKU_TEST_RUN_ID: 'abc' }, 'heroku-ci'],
    [{ GITHUB_ACTIONS: 'true' }, 'github-actions'],
    [{ CI: 'true' }, 'local'],
    [{ FLY_APP_NAME: 'shop', RELEASE_COMMAND: '1' }, 'fly'],
    [{ RENDER: 'true', RENDER_SERVICE_NAME: 'shop' }, 'render'],
    [{ RAILWAY_ENVIRONMENT_NAME: 'production', RAILWAY_SERVICE_NAME: 'shop' }, 'railway'],
    [{ KUBERNETES_SERVICE_HOST: '10.0.0.1', HOSTNAME: 'migrate-abc12' }, 'kubernetes'],
  ])('%j is %s (named platforms only, no generic CI guessing)', (env, name) => {
    expect(detectContext(env).name).toBe(name);
  });
});

describe('log lines', () => {
  const line = JSON.stringify({
    level: 30,
    time: 0,
    event: 'release.start',
    msg: 'release started',
    dyno: 'release.7',
    note: 'two words',
  });
  it('text: level, event, message, fields; colour only when asked', () => {
    expect(formatLine(line, 'text', false)).toBe(
      'INFO  release.start: release started dyno=release.7 note="two words"\n',
    );
    expect(formatLine(line, 'text', true)).toBe(
      '\x1b[36mINFO \x1b[0m release.start: release started dyno=release.7 note="two words"\n',
    );
  });
  it('a value or message holding control characters (a forged revision id) reaches the terminal as text', () => {
    const forged = JSON.stringify({
      level: 40,
      time: 0,
      event: 'release.blocked',
      msg: 'row b2\x1b[2K\rOK',
      revision: 'b2\x1b[8m',
      note: 'a\u202eb c',
    });
    for (const format of ['text', 'logfmt'] as const) {
      const out = formatLine(forged, format, false);
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(out.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/u);
      expect(out).toContain('revision=b2\\x1b[8m');
    }
    expect(formatLine(forged, 'text', false)).toContain('row b2\\x1b[2K\\rOK');
  });
  it('logfmt and json', () => {
    expect(formatLine(line, 'logfmt', false)).toBe(
      'time=1970-01-01T00:00:00.000Z level=info event=release.start msg="release started" dyno=release.7 note="two words"\n',
    );
    expect(JSON.parse(formatLine(line, 'json', false))).toEqual(JSON.parse(line));
  });
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true, false],
    [{ FORCE_COLOR: '0' }, false, false],
  ])('colour with %j on a TTY=%s: %s', (env, tty, want) => {
    expect(useColour(env, tty)).toBe(want);
  });
});
